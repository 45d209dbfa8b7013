// ECS documents (Elastic Defend, Elastic Agent, Winlogbeat; nested or dotted keys) and the canonical forms applied
// to them, plus the Winlogbeat case: a winlog.* document that never went through an ingest pipeline.
import { canonicalRegistryPath, registryPathParts } from './registry.js';
import type { WinRecord } from './win-record.js';
import { hostFromComputer } from './win-record.js';
import { canonicalGuid, canonicalIp, setOwn, text, toLong } from './values.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Top-level keys only: exports flatten whole documents, and a full walk of every document costs too much. */
function hasDottedKey(o: Obj): boolean {
  for (const k in o) if (k.indexOf('.') >= 0) return true;
  return false;
}

function mergeInto(target: Obj, key: string, value: unknown): void {
  const cur = Object.hasOwn(target, key) ? target[key] : undefined;
  if (isObj(cur) && isObj(value)) {
    for (const k in value) mergeInto(cur, k, value[k]);
  } else {
    setOwn(target, key, value);
  }
}

function expand(o: Obj): Obj {
  const out: Obj = {};
  for (const k in o) {
    let v = o[k];
    if (isObj(v)) v = expand(v);
    if (k.indexOf('.') < 0) {
      mergeInto(out, k, v);
      continue;
    }
    const parts = k.split('.');
    let node = out;
    for (let i = 0; i < parts.length - 1; i++) {
      const p = parts[i]!;
      const next = Object.hasOwn(node, p) ? node[p] : undefined;
      if (isObj(next)) node = next;
      else {
        const created: Obj = {};
        setOwn(node, p, created);
        node = created;
      }
    }
    mergeInto(node, parts[parts.length - 1]!, v);
  }
  return out;
}

/**
 * Dotted keys (`"process.name": "x"`, Kibana/Agent exports) → nested objects; the same object when no top-level
 * key has a dot (dotted keys inside nested objects are expanded only when the top level has some).
 */
export function expandDottedKeys(doc: Obj): Obj {
  return hasDottedKey(doc) ? expand(doc) : doc;
}

/** A Winlogbeat/Agent document that carries winlog.* but not the ECS fields a pipeline would add. */
export function needsWinlogMapping(doc: Obj): boolean {
  const winlog = doc.winlog;
  if (!isObj(winlog) || typeof winlog.channel !== 'string' || winlog.event_id === undefined) return false;
  const event = doc.event;
  return !(isObj(event) && event.category !== undefined);
}

/** WinRecord from a Winlogbeat document's winlog.* (event data is taken as is). */
export function winlogRecord(doc: Obj, timeCreated: number | undefined): WinRecord {
  const w = doc.winlog as Obj;
  const data = isObj(w.event_data) ? w.event_data : {};
  const rec: WinRecord = {
    provider: text(w.provider_name ?? (isObj(doc.event) ? doc.event.provider : undefined)),
    eventId: toLong(w.event_id as string | number) ?? 0,
    channel: w.channel as string,
    computer: typeof w.computer_name === 'string' ? w.computer_name : '',
    timeCreated,
    data,
  };
  if (typeof w.provider_guid === 'string') rec.providerGuid = w.provider_guid;
  if (typeof w.record_id === 'string' || typeof w.record_id === 'number') rec.recordId = w.record_id;
  if (typeof w.version === 'number') rec.version = w.version;
  if (typeof w.task === 'string') rec.task = w.task;
  if (typeof w.opcode === 'string') rec.opcode = w.opcode;
  if (Array.isArray(w.keywords)) rec.keywords = w.keywords as string[];
  if (typeof w.activity_id === 'string') rec.activityId = w.activity_id;
  const user = w.user;
  if (isObj(user) && typeof user.identifier === 'string') rec.userId = user.identifier;
  const proc = w.process;
  if (isObj(proc)) {
    const pid = toLong(proc.pid as number | string | undefined);
    if (pid !== undefined) rec.processId = pid;
  }
  if (isObj(w.user_data)) rec.userData = w.user_data;
  if (typeof doc.message === 'string') rec.message = doc.message;
  return rec;
}

/** Same machine? Compares the first DNS label, case-insensitively ("WS6" vs "ws6.corp.local"). */
function sameHost(a: string, b: string): boolean {
  const la = a.indexOf('.');
  const lb = b.indexOf('.');
  return (la < 0 ? a : a.slice(0, la)).toLowerCase() === (lb < 0 ? b : b.slice(0, lb)).toLowerCase();
}

/**
 * Merges what a mapped Winlogbeat document adds into the original one: mapped fields win for the ECS fields they
 * set; everything else of the original is kept. host.* stays the original's unless it names another machine than
 * winlog.computer_name (a forwarded event: the collector), in which case the event's own computer becomes host.*
 * and the collector moves to observer.hostname.
 */
export function mergeMapped(original: Obj, mapped: Obj): Obj {
  const out: Obj = { ...original };
  for (const k in mapped) {
    if (k === 'host') continue;
    const v = mapped[k];
    const cur = out[k];
    if (isObj(cur) && isObj(v)) out[k] = { ...cur, ...v };
    else out[k] = v;
  }
  out.host = resolveHost(original.host, mapped.host as Obj, (original.winlog as Obj | undefined)?.computer_name);
  return out;
}

function resolveHost(originalHost: unknown, fromComputer: Obj, computer: unknown): Obj {
  if (!isObj(originalHost)) return fromComputer;
  const name = typeof originalHost.name === 'string' ? originalHost.name : typeof originalHost.hostname === 'string' ? originalHost.hostname : undefined;
  if (typeof computer === 'string' && computer !== '' && name !== undefined && !sameHost(name, computer)) {
    return fromComputer;
  }
  const host: Obj = { ...originalHost };
  if (host.id === undefined && fromComputer.id !== undefined) host.id = fromComputer.id;
  if (host.name === undefined && fromComputer.name !== undefined) host.name = fromComputer.name;
  const os = isObj(host.os) ? { ...host.os } : {};
  if (os.type === undefined) os.type = 'windows';
  host.os = os;
  return host;
}

/** The collector's name when `mergeMapped` replaced host.* (for observer.hostname). */
export function forwardedCollector(original: Obj): string | undefined {
  const host = original.host;
  const computer = (original.winlog as Obj | undefined)?.computer_name;
  if (!isObj(host) || typeof computer !== 'string' || computer === '') return undefined;
  const name = typeof host.name === 'string' ? host.name : typeof host.hostname === 'string' ? host.hostname : undefined;
  return name !== undefined && !sameHost(name, computer) ? name : undefined;
}

const SYSMON_CHANNEL_LC = 'microsoft-windows-sysmon/operational';

/**
 * Canonical forms on an ECS document (in place): registry hive spellings, IP spellings, Sysmon GUID case in
 * process.entity_id, host.id/host.name/host.os.type when absent (from winlog.computer_name, else host.name).
 */
export function applyCanonicalForms(doc: Obj): void {
  const registry = doc.registry;
  if (isObj(registry) && typeof registry.path === 'string') {
    const parts = registryPathParts(registry.path);
    registry.path = parts.path;
    if (parts.hive) registry.hive = parts.hive;
    else if (typeof registry.hive === 'string') registry.hive = canonicalRegistryPath(registry.hive);
    if (registry.value === undefined) registry.value = parts.value;
    if (registry.key === undefined && parts.key !== undefined) registry.key = parts.key;
  }
  for (const end of ['source', 'destination']) {
    const e = doc[end];
    if (isObj(e) && typeof e.ip === 'string') e.ip = canonicalIp(e.ip);
  }
  const winlog = isObj(doc.winlog) ? doc.winlog : undefined;
  const event = isObj(doc.event) ? doc.event : undefined;
  const fromSysmon =
    (typeof winlog?.channel === 'string' && winlog.channel.toLowerCase() === SYSMON_CHANNEL_LC) || event?.module === 'sysmon';
  if (fromSysmon) {
    const process = doc.process;
    if (isObj(process)) {
      if (typeof process.entity_id === 'string') process.entity_id = canonicalGuid(process.entity_id);
      const parent = process.parent;
      if (isObj(parent) && typeof parent.entity_id === 'string') parent.entity_id = canonicalGuid(parent.entity_id);
    }
  }
  const computer = typeof winlog?.computer_name === 'string' && winlog.computer_name !== '' ? winlog.computer_name : undefined;
  let host = isObj(doc.host) ? doc.host : undefined;
  if (!host && computer === undefined) return;
  if (host && computer !== undefined) {
    // A forwarded event (WEF): host.* names the collector. The event's own computer becomes host.*, so events
    // of many sources never share the collector's identity; the collector stays as observer.hostname.
    const collector = forwardedCollector(doc);
    if (collector !== undefined) {
      const observer = isObj(doc.observer) ? doc.observer : (doc.observer = {}) as Obj;
      if (observer.hostname === undefined) observer.hostname = collector;
      host = hostFromComputer(computer);
      doc.host = host;
    }
  }
  if (!host) {
    host = {};
    doc.host = host;
  }
  if (host.name === undefined) {
    if (computer !== undefined) host.name = computer;
    else if (typeof host.hostname === 'string') host.name = host.hostname;
  }
  if (host.id === undefined) {
    const name = computer ?? (typeof host.name === 'string' ? host.name : undefined);
    if (name !== undefined) host.id = name.toLowerCase();
  }
  if (winlog) {
    const os = isObj(host.os) ? host.os : (host.os = {}) as Obj;
    if (os.type === undefined) os.type = 'windows';
  }
}

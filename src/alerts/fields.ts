// Tolerant reads from ECS documents: nested objects (`{winlog: {event_data: {...}}}`) as normalization
// produces them, with dotted keys (`{"winlog.event_data.X": ...}`) as a fallback for pass-through inputs.
import type { EcsDocument, NormalizedEvent } from '../normalize/types.js';
import type { Origin } from '../formats/types.js';

type Obj = Record<string, unknown>;

export type Getter = (doc: unknown) => unknown;

/**
 * A precompiled reader of one dotted path: nested objects first (what normalization produces), then the whole
 * path as one dotted top-level key (flat ECS exports). No allocation per call.
 */
export function getter(path: string): Getter {
  const parts = path.split('.');
  const n = parts.length;
  if (n === 1) return (doc) => (typeof doc === 'object' && doc !== null ? (doc as Obj)[path] : undefined);
  const [a, b, c] = parts as [string, string, string | undefined];
  const fallback = (doc: Obj): unknown => doc[path];
  if (n === 2) {
    return (doc) => {
      if (typeof doc !== 'object' || doc === null) return undefined;
      const x = (doc as Obj)[a];
      const v = typeof x === 'object' && x !== null ? (x as Obj)[b] : undefined;
      return v !== undefined ? v : fallback(doc as Obj);
    };
  }
  if (n === 3) {
    return (doc) => {
      if (typeof doc !== 'object' || doc === null) return undefined;
      const x = (doc as Obj)[a];
      const y = typeof x === 'object' && x !== null ? (x as Obj)[b] : undefined;
      const v = typeof y === 'object' && y !== null ? (y as Obj)[c!] : undefined;
      return v !== undefined ? v : fallback(doc as Obj);
    };
  }
  return (doc) => {
    if (typeof doc !== 'object' || doc === null) return undefined;
    let cur: unknown = doc;
    for (let i = 0; i < n && cur !== undefined; i++) cur = typeof cur === 'object' && cur !== null ? (cur as Obj)[parts[i]!] : undefined;
    return cur !== undefined ? cur : fallback(doc as Obj);
  };
}

const GETTERS = new Map<string, Getter>();

/** Value at a dotted path (getter cached per path; for code off the hot path). */
export function getField(doc: unknown, path: string): unknown {
  let g = GETTERS.get(path);
  if (!g) {
    g = getter(path);
    if (GETTERS.size < 10_000) GETTERS.set(path, g);
  }
  return g(doc);
}

/** A value as a non-empty string ('-' and empty count as absent). */
export function asStr(v: unknown): string | undefined {
  if (Array.isArray(v)) v = v[0];
  if (typeof v === 'string') return v === '' || v === '-' ? undefined : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** A value as a finite number (numeric strings accepted). */
export function asNum(v: unknown): number | undefined {
  if (Array.isArray(v)) v = v[0];
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** A field as a non-empty string ('-' and empty count as absent, as Windows renders "no value"). */
export function str(doc: unknown, path: string): string | undefined {
  return asStr(getField(doc, path));
}

/** A field as a finite number (accepts numeric strings, hex "0x…"). */
export function num(doc: unknown, path: string): number | undefined {
  return asNum(getField(doc, path));
}

/** `winlog.event_data.<name>` as a string. */
const DATA_GETTERS = new Map<string, Getter>();

export function data(doc: unknown, name: string): string | undefined {
  let g = DATA_GETTERS.get(name);
  if (!g) {
    g = getter(`winlog.event_data.${name}`);
    if (DATA_GETTERS.size < 10_000) DATA_GETTERS.set(name, g);
  }
  return asStr(g(doc));
}

/** Windows event id: winlog.event_id, else event.code. */
const G_EVENT_ID = getter('winlog.event_id');
const G_CODE = getter('event.code');
const G_CHANNEL = getter('winlog.channel');
const G_PROVIDER = getter('winlog.provider_name');
const G_EVENT_PROVIDER = getter('event.provider');

export function eventIdOf(doc: EcsDocument): number | undefined {
  return asNum(G_EVENT_ID(doc)) ?? asNum(G_CODE(doc));
}

/** Lower-cased channel or provider, '' when the document has none (ECS from Defend). */
export function channelOf(doc: EcsDocument): string {
  const c = asStr(G_CHANNEL(doc)) ?? asStr(G_PROVIDER(doc)) ?? asStr(G_EVENT_PROVIDER(doc));
  return c === undefined ? '' : lowerCached(c);
}

const LOWER = new Map<string, string>();

/** Lower-casing of the few distinct channel (or dataset) names, without a new string per event. */
export function lowerCached(s: string): string {
  let l = LOWER.get(s);
  if (l === undefined) {
    l = s.toLowerCase();
    if (LOWER.size < 1000) LOWER.set(s, l);
  }
  return l;
}

export type SourceKind = 'sysmon' | 'security' | 'taskscheduler' | 'system' | 'other';

export function sourceKindOf(channel: string): SourceKind {
  if (channel.includes('sysmon')) return 'sysmon';
  if (channel === 'security' || channel.includes('security-auditing')) return 'security';
  if (channel.includes('taskscheduler')) return 'taskscheduler';
  if (channel === 'system' || channel === 'service control manager') return 'system';
  return 'other';
}

/** "Sysmon 13", "Security 4698", "TaskScheduler 106", or the dataset for ECS-native events. */
export function sourceLabel(doc: EcsDocument): string {
  const kind = sourceKindOf(channelOf(doc));
  const id = eventIdOf(doc);
  const names: Record<SourceKind, string> = {
    sysmon: 'Sysmon',
    security: 'Security',
    taskscheduler: 'TaskScheduler',
    system: 'System',
    other: str(doc, 'event.dataset') ?? str(doc, 'event.module') ?? 'event',
  };
  return id !== undefined && kind !== 'other' ? `${names[kind]} ${id}` : names[kind];
}

/**
 * "file:line", "file#record", "file@offset": where an event was read, for evidence strings. `recordId` (the
 * event's own EventRecordID, as Event Viewer shows it) is preferred to the reader's record number.
 */
export function originRef(origin: Origin | undefined, recordId?: string): string {
  if (!origin) return '';
  const file = origin.member ? `${origin.file}!${origin.member}` : origin.file;
  if (recordId !== undefined) return `${file}#${recordId}`;
  if (origin.record !== undefined) return `${file}#${origin.record}`;
  if (origin.line !== undefined) return `${file}:${origin.line}`;
  if (origin.index !== undefined) return `${file}[${origin.index}]`;
  if (origin.offset !== undefined) return `${file}@${origin.offset}`;
  return file;
}

/** Evidence text for one item: "Security 4698 (Security.evtx#566836)". */
export function evidenceOf(ev: NormalizedEvent, what?: string): string {
  const ref = originRef(ev.origin, ev.origin?.record !== undefined ? str(ev.doc, 'winlog.record_id') : undefined);
  const label = what ? `${sourceLabel(ev.doc)} ${what}` : sourceLabel(ev.doc);
  return ref ? `${label} (${ref})` : label;
}

/** Canonical GUID for comparisons: upper-case with braces. */
export function canonGuid(s: string): string {
  const t = s.trim().replace(/^\{|\}$/g, '').toUpperCase();
  return `{${t}}`;
}

export const GUID_RE = /\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?/;

/** IP text without the IPv4-mapped prefix, or undefined for "-", empty and loopback-free checks left to callers. */
export function cleanIp(ip: string | undefined): string | undefined {
  if (!ip) return undefined;
  const t = ip.trim();
  if (t === '' || t === '-') return undefined;
  return t.toLowerCase().startsWith('::ffff:') && t.includes('.') ? t.slice(7) : t;
}

export function isLoopback(ip: string): boolean {
  return ip === '::1' || ip.startsWith('127.');
}

/** Well-known SIDs a task principal commonly names. */
const WELL_KNOWN_SIDS: Record<string, string> = {
  'S-1-5-18': 'SYSTEM',
  'S-1-5-19': 'LOCAL SERVICE',
  'S-1-5-20': 'NETWORK SERVICE',
  'S-1-5-32-544': 'Administrators',
  'S-1-5-32-545': 'Users',
  'S-1-5-4': 'INTERACTIVE',
  'S-1-5-11': 'Authenticated Users',
};

export function wellKnownSid(sid: string): string | undefined {
  return WELL_KNOWN_SIDS[sid.trim().toUpperCase()];
}

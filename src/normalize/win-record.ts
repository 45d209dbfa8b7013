// One Windows event, whatever shape it came in (EVTX/XML WinEvent, flat export, Winlogbeat winlog.*), and the
// part of its ECS document every event gets: winlog.* (as Elastic keeps it), event.*, host.*, @timestamp.
import type { WinRendering, XmlElement } from '../formats/types.js';
import { formatIso } from './time.js';
import type { EventData } from './values.js';
import { child, table, text } from './values.js';

export interface WinRecord {
  provider: string;
  providerGuid?: string;
  eventId: number;
  channel: string;
  /** <Computer>: the source host, also for forwarded events. */
  computer: string;
  /** TimeCreated as epoch ms (after the input's time corrections); undefined when unreadable. */
  timeCreated?: number;
  recordId?: number | string;
  version?: number;
  level?: number | string;
  task?: number | string;
  opcode?: number | string;
  /** Hex mask as rendered ("0x8020000000000000"), or rendered names. */
  keywords?: string | string[] | number;
  activityId?: string;
  relatedActivityId?: string;
  processId?: number;
  threadId?: number;
  /** Security/@UserID (SID). */
  userId?: string;
  data: EventData;
  userData?: XmlElement | Record<string, unknown>;
  rendering?: WinRendering;
  /** Rendered message (flat exports carry it as `Message`). */
  message?: string;
}

/** Windows' level numbers as Elastic renders them in log.level. */
const LEVELS: Record<string, string> = table({
  '0': 'information', // LogAlways: Security events render "Information"
  '1': 'critical',
  '2': 'error',
  '3': 'warning',
  '4': 'information',
  '5': 'verbose',
});

const AUDIT_SUCCESS = 0x0020000000000000n;
const AUDIT_FAILURE = 0x0010000000000000n;

/** Audit keywords → "success" / "failure" (event.outcome), from a hex mask or rendered names. */
export function auditOutcome(keywords: WinRecord['keywords']): 'success' | 'failure' | undefined {
  if (keywords === undefined) return undefined;
  if (Array.isArray(keywords)) {
    for (const k of keywords) {
      if (/audit success/i.test(k)) return 'success';
      if (/audit failure/i.test(k)) return 'failure';
    }
    return undefined;
  }
  if (typeof keywords === 'string') {
    let hit = outcomeCache.get(keywords);
    if (hit === undefined) {
      hit = maskOutcome(keywords) ?? null;
      if (outcomeCache.size > 1024) outcomeCache.clear();
      outcomeCache.set(keywords, hit);
    }
    return hit ?? undefined;
  }
  return maskOutcome(keywords);
}

// Keyword masks repeat endlessly; BigInt parsing once per distinct text.
const outcomeCache = new Map<string, 'success' | 'failure' | null>();

function maskOutcome(keywords: string | number): 'success' | 'failure' | undefined {
  let mask: bigint;
  try {
    mask = typeof keywords === 'number' ? BigInt.asUintN(64, BigInt(keywords)) : BigInt(keywords);
  } catch {
    return /audit success/i.test(text(keywords)) ? 'success' : /audit failure/i.test(text(keywords)) ? 'failure' : undefined;
  }
  if (mask & AUDIT_SUCCESS) return 'success';
  if (mask & AUDIT_FAILURE) return 'failure';
  return undefined;
}

/** Rendered keyword names for the audit bits (what winlog.keywords holds in Elastic), else the mask as text. */
function keywordNames(keywords: WinRecord['keywords']): string[] | undefined {
  if (keywords === undefined) return undefined;
  if (Array.isArray(keywords)) return keywords;
  const outcome = auditOutcome(keywords);
  if (outcome === 'success') return ['Audit Success'];
  if (outcome === 'failure') return ['Audit Failure'];
  return [text(keywords)];
}

/** UserData tree → plain object of its leaf texts, as winlog.user_data holds it. */
function userDataObject(el: XmlElement | Record<string, unknown>): Record<string, unknown> {
  if (!('children' in el) || !Array.isArray((el as XmlElement).children)) return el as Record<string, unknown>;
  const out: Record<string, unknown> = { xml_name: (el as XmlElement).name };
  for (const c of (el as XmlElement).children) {
    if (c.children.length === 0) out[c.name] = c.text;
    else out[c.name] = userDataObject(c);
  }
  return out;
}

/**
 * The document every Windows event gets. `@timestamp` is TimeCreated; mappers may replace it (Sysmon UtcTime).
 * host.* is the event's own <Computer> (lowercased as host.id), never the machine that collected or read it.
 */
export function baseWindowsDoc(rec: WinRecord): Record<string, unknown> {
  const code = String(rec.eventId);
  const winlog: Record<string, unknown> = {
    channel: rec.channel,
    provider_name: rec.provider,
    computer_name: rec.computer,
    event_id: code,
  };
  if (rec.providerGuid) winlog.provider_guid = rec.providerGuid;
  if (rec.recordId !== undefined) winlog.record_id = text(rec.recordId);
  if (rec.version !== undefined) winlog.version = rec.version;
  if (rec.rendering?.task) winlog.task = rec.rendering.task;
  else if (rec.task !== undefined) winlog.task = rec.task;
  if (rec.rendering?.opcode) winlog.opcode = rec.rendering.opcode;
  else if (rec.opcode !== undefined) winlog.opcode = rec.opcode;
  const kw = rec.rendering?.keywords ?? keywordNames(rec.keywords);
  if (kw) winlog.keywords = kw;
  if (rec.activityId) winlog.activity_id = rec.activityId;
  if (rec.relatedActivityId) winlog.related_activity_id = rec.relatedActivityId;
  if (rec.processId !== undefined || rec.threadId !== undefined) {
    const p: Record<string, unknown> = {};
    if (rec.processId !== undefined) p.pid = rec.processId;
    if (rec.threadId !== undefined) p.thread = { id: rec.threadId };
    winlog.process = p;
  }
  if (rec.userId) winlog.user = { identifier: rec.userId };
  if (rec.timeCreated !== undefined) winlog.time_created = formatIso(rec.timeCreated);
  winlog.event_data = rec.data;
  if (rec.userData) winlog.user_data = userDataObject(rec.userData);

  const event: Record<string, unknown> = { kind: 'event', code, provider: rec.provider };
  if (rec.timeCreated !== undefined) event.created = winlog.time_created;
  const outcome = auditOutcome(rec.keywords);
  if (outcome) event.outcome = outcome;

  const doc: Record<string, unknown> = {};
  if (rec.timeCreated !== undefined) doc['@timestamp'] = winlog.time_created;
  doc.event = event;
  doc.host = hostFromComputer(rec.computer);
  doc.winlog = winlog;
  const level = rec.rendering?.level?.toLowerCase() ?? (rec.level !== undefined ? LEVELS[text(rec.level)] : undefined);
  if (level) doc.log = { level };
  const message = rec.rendering?.message ?? rec.message;
  if (message) doc.message = message;
  return doc;
}

/** host.* from a <Computer> name: host.id is its lowercase form, so one machine is one key whatever the case. */
export function hostFromComputer(computer: string): Record<string, unknown> {
  const host: Record<string, unknown> = { os: { type: 'windows', family: 'windows', platform: 'windows' } };
  if (computer) {
    host.name = computer;
    host.hostname = computer;
    host.id = computer.toLowerCase();
  }
  return host;
}

/** Sets user.* from a Subject/Target prefix of Security event data (`SubjectUserSid`, `SubjectUserName`, …). */
export function setUserFrom(
  doc: Record<string, unknown>,
  data: EventData,
  prefix: 'Subject' | 'Target',
  into?: 'effective' | 'target',
): void {
  const sid = data[prefix + 'UserSid'];
  const name = data[prefix + 'UserName'];
  const domain = data[prefix + 'DomainName'];
  const useful = (v: unknown): v is string => typeof v === 'string' && v !== '' && v !== '-';
  if (!useful(sid) && !useful(name) && !useful(domain)) return;
  const user = child(doc, 'user');
  const target = into ? child(user, into) : user;
  if (useful(sid)) target.id = sid;
  if (useful(name)) {
    const at = name.indexOf('@');
    const n = at > 0 ? name.slice(0, at) : name;
    target.name = n;
    const related = child(doc, 'related');
    const list = related.user;
    if (Array.isArray(list)) {
      if (!list.includes(n)) list.push(n);
    } else related.user = [n];
  }
  if (useful(domain)) target.domain = domain;
}

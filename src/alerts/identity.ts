// Deterministic identities: rule and alert uuids (name-based, UUID v5 layout over SHA-1) and the identity of
// a matched event, so that the same match read twice (or from two copies of a file) gets the same alert uuid.
import { createHash } from 'node:crypto';
import type { NormalizedEvent } from '../normalize/types.js';
import { str } from './fields.js';

/** Fixed namespace for seqhunt's name-based uuids (random once, never changes). */
const NAMESPACE = Buffer.from('5b0f6f0e8d2a4c47a0f1c3d9e2b7a614', 'hex');

/** UUID v5 (RFC 9562 §5.5) of `name` in seqhunt's namespace. */
export function nameUuid(name: string): string {
  const h = createHash('sha1').update(NAMESPACE).update(name, 'utf8').digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/** `kibana.alert.rule.uuid`: a function of the rule_id only, stable across runs and machines. */
export function ruleUuid(ruleId: string): string {
  return nameUuid(`rule\u0000${ruleId}`);
}

/**
 * What identifies one event independently of how it was read: ECS `event.id`; else the Windows record
 * (computer, channel, record id); else where it was read (file, member, record/line/index/offset); else its content.
 * Record ids restart when a log is cleared and collide across merged collections (event.id too, in some
 * exports), so every key also carries the event's time and a short hash of what it is about: only a true
 * re-read of the same event (another copy of the file, EVTX and its XML export) gets the same identity.
 */
export function eventIdentity(ev: NormalizedEvent): string {
  const doc = ev.doc;
  const id = str(doc, 'event.id');
  if (id) return `id:${id}|${stamp(ev)}`;
  const rec = str(doc, 'winlog.record_id');
  const computer = str(doc, 'winlog.computer_name') ?? ev.host;
  const channel = str(doc, 'winlog.channel');
  if (rec && channel) return `rec:${computer.toLowerCase()}|${channel.toLowerCase()}|${rec}|${stamp(ev)}`;
  const o = ev.origin;
  if (o && (o.record !== undefined || o.line !== undefined || o.index !== undefined || o.offset !== undefined)) {
    return `at:${o.file}|${o.member ?? ''}|${o.record ?? ''}|${o.line ?? ''}|${o.index ?? ''}|${o.offset ?? ''}|${stamp(ev)}`;
  }
  return `doc:${createHash('sha1').update(safeJson(doc)).digest('hex')}|${ev.timestamp}`;
}

/**
 * The event's time and a short hash of fields that every reading of it gives alike (normalization
 * canonicalizes them whatever the input shape): channel, event id, record id, process, registry path.
 */
function stamp(ev: NormalizedEvent): string {
  const doc = ev.doc;
  const about = [
    str(doc, 'winlog.channel')?.toLowerCase(),
    str(doc, 'winlog.event_id') ?? str(doc, 'event.code'),
    str(doc, 'winlog.record_id'),
    str(doc, 'process.entity_id')?.toLowerCase(),
    str(doc, 'registry.path')?.toLowerCase(),
  ].join('\u0000');
  return `${ev.timestamp}|${createHash('sha1').update(about).digest('hex').slice(0, 12)}`;
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? '';
  } catch {
    return String(v);
  }
}

/** `kibana.alert.uuid`: rule id + the matched events' identities in order (null slots included). */
export function alertUuid(ruleId: string, events: ReadonlyArray<NormalizedEvent | null>): string {
  const parts = events.map((e) => (e ? eventIdentity(e) : '-'));
  return nameUuid(`alert\u0000${ruleId}\u0000${parts.join('\u0000')}`);
}

/** `seqhunt.incident.id`: one per (host, task, source), shared by every rule's alert about that task. */
export function incidentId(host: string, task: string, sourceIp: string): string {
  return nameUuid(`incident\u0000${host.toLowerCase()}\u0000${task.toLowerCase()}\u0000${sourceIp.toLowerCase()}`);
}

// Tolerant reads from ECS documents: nested objects (`{winlog: {event_data: {...}}}`) as normalization
// produces them, with dotted keys (`{"winlog.event_data.X": ...}`) as a fallback for pass-through inputs.
import type { EcsDocument, NormalizedEvent } from '../normalize/types.js';
import type { Origin } from '../formats/types.js';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Value at a dotted path; tries nesting first, then dotted keys at any level. */
export function getField(doc: unknown, path: string): unknown {
  if (!isObj(doc)) return undefined;
  const direct = doc[path];
  if (direct !== undefined) return direct;
  let dot = path.indexOf('.');
  while (dot > 0) {
    const head = doc[path.slice(0, dot)];
    if (isObj(head)) {
      const v = getField(head, path.slice(dot + 1));
      if (v !== undefined) return v;
    }
    dot = path.indexOf('.', dot + 1);
  }
  return undefined;
}

/** A field as a non-empty string ('-' and empty count as absent, as Windows renders "no value"). */
export function str(doc: unknown, path: string): string | undefined {
  let v = getField(doc, path);
  if (Array.isArray(v)) v = v[0];
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v !== 'string') return undefined;
  return v === '' || v === '-' ? undefined : v;
}

/** A field as a finite number (accepts numeric strings, hex "0x…"). */
export function num(doc: unknown, path: string): number | undefined {
  let v = getField(doc, path);
  if (Array.isArray(v)) v = v[0];
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v.trim());
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** `winlog.event_data.<name>` as a string. */
export function data(doc: unknown, name: string): string | undefined {
  return str(doc, `winlog.event_data.${name}`);
}

/** Windows event id: winlog.event_id, else event.code. */
export function eventIdOf(doc: EcsDocument): number | undefined {
  return num(doc, 'winlog.event_id') ?? num(doc, 'event.code');
}

/** Lower-cased channel or provider, '' when the document has none (ECS from Defend). */
export function channelOf(doc: EcsDocument): string {
  return (
    str(doc, 'winlog.channel') ??
    str(doc, 'winlog.provider_name') ??
    str(doc, 'event.provider') ??
    ''
  ).toLowerCase();
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

/** "file:line", "file#record", "file@offset": where an event was read, for evidence strings. */
export function originRef(origin: Origin | undefined): string {
  if (!origin) return '';
  const file = origin.member ? `${origin.file}!${origin.member}` : origin.file;
  if (origin.record !== undefined) return `${file}#${origin.record}`;
  if (origin.line !== undefined) return `${file}:${origin.line}`;
  if (origin.index !== undefined) return `${file}[${origin.index}]`;
  if (origin.offset !== undefined) return `${file}@${origin.offset}`;
  return file;
}

/** Evidence text for one item: "Security 4698 (Security.evtx#566836)". */
export function evidenceOf(ev: NormalizedEvent, what?: string): string {
  const ref = originRef(ev.origin);
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

// Which events enrichment can use, recognised once when observed so the hunt's hot path stays cheap.
import type { NormalizedEvent } from '../normalize/types.js';
import { channelOf, data, eventIdOf, getField, num, sourceKindOf, str } from './fields.js';

export type ContextKind =
  | 'logon' // 4624 network/remote logon
  | 'explicit-logon' // 4648
  | 'privileges' // 4672
  | 'share' // 5140 / 5145 on admin shares
  | 'service' // 7045 / 4697
  | 'task' // 4698 / 4699 / 4702 and TaskScheduler operational events
  | 'taskcache' // registry writes under ...\Schedule\TaskCache\
  | 'process'; // process starts (Sysmon 1, 4688, ECS process start) whose parent is svchost

/** An observed event with what was derived from it once. */
export interface ContextEvent {
  ev: NormalizedEvent;
  kind: ContextKind;
  eventId: number | undefined;
  /** The clock this event's timestamp belongs to (its channel or dataset): times compare only within one. */
  clock: string;
  /** Timestamp moved onto the host's record-time clock when the document says its clocks differ (see alignedTime). */
  aligned: number;
  /** Arrival order, for the memory cap. */
  seq: number;
}

const TASK_IDS_SECURITY = new Set([4698, 4699, 4700, 4701, 4702]);
const TASK_IDS_OPERATIONAL = new Set([100, 102, 106, 110, 129, 140, 141, 142, 200, 201, 203]);
const ADMIN_SHARE_RE = /\\(ADMIN|IPC|[A-Z])\$$/i;
const TASKCACHE_RE = /\\Schedule\\TaskCache\\/i;
const QUARTER_HOUR = 15 * 60_000;

/** The registry path of a registry event (ECS, else Sysmon's original TargetObject). */
export function registryPath(doc: Record<string, unknown>): string | undefined {
  return str(doc, 'registry.path') ?? data(doc, 'TargetObject');
}

function isSvchostParent(doc: Record<string, unknown>): boolean {
  const p = str(doc, 'process.parent.executable') ?? str(doc, 'process.parent.name') ?? data(doc, 'ParentImage') ?? data(doc, 'ParentProcessName');
  return p !== undefined && /(^|\\)svchost\.exe$/i.test(p);
}

/** The kind of context an event gives, or undefined when enrichment has no use for it. */
export function classify(ev: NormalizedEvent): { kind: ContextKind; eventId: number | undefined; clock: string } | undefined {
  const doc = ev.doc;
  const channel = channelOf(doc);
  const source = sourceKindOf(channel);
  const id = eventIdOf(doc);
  const clock = channel || (str(doc, 'event.dataset') ?? str(doc, 'event.module') ?? '').toLowerCase();
  const path = registryPath(doc);
  if (path !== undefined && TASKCACHE_RE.test(path)) return { kind: 'taskcache', eventId: id, clock };
  if (source === 'sysmon') {
    return id === 1 && isSvchostParent(doc) ? { kind: 'process', eventId: id, clock } : undefined;
  }
  if (source === 'taskscheduler') {
    return id !== undefined && TASK_IDS_OPERATIONAL.has(id) ? { kind: 'task', eventId: id, clock } : undefined;
  }
  // Security and System ids; a document without a channel is accepted when its fields fit.
  if (source === 'security' || source === 'other' || source === 'system') {
    switch (id) {
      case 4624: {
        const type = num(doc, 'winlog.logon.type') ?? num(doc, 'winlog.event_data.LogonType');
        const t = str(doc, 'winlog.logon.type');
        return type === 3 || type === 10 || t === 'Network' || t === 'RemoteInteractive' ? { kind: 'logon', eventId: id, clock } : undefined;
      }
      case 4648:
        return { kind: 'explicit-logon', eventId: id, clock };
      case 4672:
        return { kind: 'privileges', eventId: id, clock };
      case 5140:
      case 5145: {
        const share = data(doc, 'ShareName');
        return share && ADMIN_SHARE_RE.test(share) ? { kind: 'share', eventId: id, clock } : undefined;
      }
      case 4697:
      case 7045:
        return { kind: 'service', eventId: id, clock };
      case 4688:
        return isSvchostParent(doc) ? { kind: 'process', eventId: id, clock } : undefined;
      default:
        if (id !== undefined && TASK_IDS_SECURITY.has(id) && data(doc, 'TaskName')) return { kind: 'task', eventId: id, clock };
    }
  }
  // ECS-native process starts (Elastic Defend) spawned by svchost.
  if (source === 'other' && isSvchostParent(doc)) {
    const cat = getField(doc, 'event.category');
    const isProcess = cat === 'process' || (Array.isArray(cat) && cat.includes('process'));
    if (isProcess) return { kind: 'process', eventId: id, clock };
  }
  return undefined;
}

/**
 * The event's time on its host's record-time clock. Exports such as OTRF's set Sysmon's @timestamp from
 * UtcTime while every other channel carries a local TimeCreated labelled UTC: when `event.created` (or
 * winlog.time_created) differs from @timestamp by whole quarter hours, the difference is a clock offset, not
 * latency, and is applied; sub-quarter-hour skew is left alone.
 */
export function alignedTime(ev: NormalizedEvent): number {
  const created = str(ev.doc, 'event.created') ?? str(ev.doc, 'winlog.time_created');
  if (!created) return ev.timestamp;
  const c = Date.parse(created);
  if (!Number.isFinite(c)) return ev.timestamp;
  const d = c - ev.timestamp;
  if (Math.abs(d) < QUARTER_HOUR - 60_000) return ev.timestamp;
  return ev.timestamp + Math.round(d / QUARTER_HOUR) * QUARTER_HOUR;
}

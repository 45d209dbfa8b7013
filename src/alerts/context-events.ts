// Which events enrichment can use, recognised once when observed so the hunt's hot path stays cheap.
import type { NormalizedEvent } from '../normalize/types.js';
import { asNum, asStr, channelOf, data, eventIdOf, getter, lowerCached, sourceKindOf } from './fields.js';

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

/**
 * Words (lowercase) in the raw text of every event enrichment can use, whatever its source: the byte pre-filter
 * (src/engine/prefilter.ts) keeps lines holding all the words of one of these lists. `#4624` is the event id as a
 * number standing alone (`"4624"`, `4624`, not `54624`), as `eventIdOf` reads it: from `winlog.event_id` (a line
 * with `"winlog` is always parsed) or from `event.code`, whose key ends in `code"` (prefilter.ts `KEY_MARKERS`,
 * compared as written). A process started by svchost names its parent (`process.parent.*`, `ParentImage`,
 * `ParentProcessName`), so other svchost events, such as the flagship's inbound connections, are not context.
 * Keep in step with `classify` below.
 */
export const CONTEXT_WORDS: ReadonlyArray<readonly string[]> = [
  ['taskcache'],
  ['svchost', 'parent'],
  ['taskscheduler'],
  ...['#4624', '#4648', '#4672', '#4688', '#4697', '#4698', '#4699', '#4700', '#4701', '#4702', '#5140', '#5145', '#7045'].map((id) => ['code"', id]),
];

const TASK_IDS_SECURITY = new Set([4698, 4699, 4700, 4701, 4702]);
const TASK_IDS_OPERATIONAL = new Set([100, 102, 106, 110, 129, 140, 141, 142, 200, 201, 203]);
const ADMIN_SHARE_RE = /\\(ADMIN|IPC|[A-Z])\$$/i;
const TASKCACHE_RE = /\\Schedule\\TaskCache\\/i;
const QUARTER_HOUR = 15 * 60_000;

const G_REG_PATH = getter('registry.path');
const G_TARGET_OBJECT = getter('winlog.event_data.TargetObject');
const G_PARENT_EXE = getter('process.parent.executable');
const G_PARENT_NAME = getter('process.parent.name');
const G_PARENT_IMAGE = getter('winlog.event_data.ParentImage');
const G_PARENT_PROCESS_NAME = getter('winlog.event_data.ParentProcessName');
const G_LOGON_TYPE = getter('winlog.logon.type');
const G_LOGON_TYPE_DATA = getter('winlog.event_data.LogonType');
const G_DATASET = getter('event.dataset');
const G_MODULE = getter('event.module');
const G_CATEGORY = getter('event.category');
const G_CREATED = getter('event.created');
const G_TIME_CREATED = getter('winlog.time_created');
const SVCHOST_RE = /(^|\\)svchost\.exe$/i;

/** The registry path of a registry event (ECS, else Sysmon's original TargetObject). */
export function registryPath(doc: Record<string, unknown>): string | undefined {
  return asStr(G_REG_PATH(doc)) ?? asStr(G_TARGET_OBJECT(doc));
}

function isSvchostParent(doc: Record<string, unknown>): boolean {
  const p = asStr(G_PARENT_EXE(doc)) ?? asStr(G_PARENT_NAME(doc)) ?? asStr(G_PARENT_IMAGE(doc)) ?? asStr(G_PARENT_PROCESS_NAME(doc));
  return p !== undefined && SVCHOST_RE.test(p);
}

function clockOf(doc: Record<string, unknown>, channel: string): string {
  return channel || lowerCached(asStr(G_DATASET(doc)) ?? asStr(G_MODULE(doc)) ?? '');
}

function isTaskCache(doc: Record<string, unknown>): boolean {
  const path = registryPath(doc);
  return path !== undefined && TASKCACHE_RE.test(path);
}

/** The kind of context an event gives, or undefined when enrichment has no use for it. Hot: runs on every event. */
export function classify(ev: NormalizedEvent): { kind: ContextKind; eventId: number | undefined; clock: string } | undefined {
  const doc = ev.doc;
  const channel = channelOf(doc);
  const source = sourceKindOf(channel);
  const id = eventIdOf(doc);
  // No closures here: this runs on every event of the hunt.
  switch (source) {
    case 'sysmon':
      if (id === 12 || id === 13 || id === 14) return isTaskCache(doc) ? { kind: 'taskcache', eventId: id, clock: clockOf(doc, channel) } : undefined;
      return id === 1 && isSvchostParent(doc) ? { kind: 'process', eventId: id, clock: clockOf(doc, channel) } : undefined;
    case 'taskscheduler':
      return id !== undefined && TASK_IDS_OPERATIONAL.has(id) ? { kind: 'task', eventId: id, clock: clockOf(doc, channel) } : undefined;
    case 'other':
      // ECS-native (Elastic Defend): registry writes under TaskCache, process starts spawned by svchost.
      if (isTaskCache(doc)) return { kind: 'taskcache', eventId: id, clock: clockOf(doc, channel) };
      if (id === undefined && isSvchostParent(doc)) {
        const cat = G_CATEGORY(doc);
        if (cat === 'process' || (Array.isArray(cat) && cat.includes('process'))) return { kind: 'process', eventId: id, clock: clockOf(doc, channel) };
        return undefined;
      }
      break;
    default:
      break;
  }
  // Security and System ids; a document without a channel is accepted when its fields fit.
  let kind: ContextKind | undefined;
  switch (id) {
    case 4624: {
      const lt = G_LOGON_TYPE(doc);
      const type = asNum(G_LOGON_TYPE_DATA(doc)) ?? asNum(lt);
      if (type === 3 || type === 10 || lt === 'Network' || lt === 'RemoteInteractive') kind = 'logon';
      break;
    }
    case 4648:
      kind = 'explicit-logon';
      break;
    case 4672:
      kind = 'privileges';
      break;
    case 5140:
    case 5145: {
      const share = data(doc, 'ShareName');
      if (share && ADMIN_SHARE_RE.test(share)) kind = 'share';
      break;
    }
    case 4697:
    case 7045:
      kind = 'service';
      break;
    case 4688:
      if (isSvchostParent(doc)) kind = 'process';
      break;
    default:
      if (id !== undefined && TASK_IDS_SECURITY.has(id) && data(doc, 'TaskName')) kind = 'task';
  }
  return kind ? { kind, eventId: id, clock: clockOf(doc, channel) } : undefined;
}

/**
 * What enrichment reads from a TaskCache write (`kind: 'taskcache'`), each a list of fields read in order: the
 * registry path and data, the writing process, and what evidence strings name (channel, provider, event id,
 * dataset, record id). TaskCache writes are kept for a day (task identity), so the window keeps only these
 * fields, not the whole document: on a busy fleet they are most of what the window holds. Times are not kept:
 * the window has them already (`ContextEvent.aligned`, `NormalizedEvent.timestamp`). Keep in step with
 * enrich-task.ts: test/alerts/context-projection.test.ts checks that what it reads is the same on the projection.
 */
const TASKCACHE_FIELDS: ReadonlyArray<{ paths: readonly string[]; fewValues?: true }> = [
  { paths: ['registry.path', 'winlog.event_data.TargetObject'] },
  { paths: ['registry.data.strings', 'winlog.event_data.Details'] },
  { paths: ['registry.data.bytes'] },
  { paths: ['process.entity_id'] },
  { paths: ['winlog.channel'], fewValues: true },
  { paths: ['winlog.provider_name'], fewValues: true },
  { paths: ['event.provider'], fewValues: true },
  { paths: ['winlog.event_id'] },
  { paths: ['event.code'] },
  { paths: ['event.dataset'], fewValues: true },
  { paths: ['event.module'], fewValues: true },
  { paths: ['winlog.record_id'] },
];
const PROJECTION = TASKCACHE_FIELDS.map(({ paths, fewValues }) => ({ fewValues, choices: paths.map((path) => ({ parts: path.split('.'), get: getter(path) })) }));
/** One copy of each value of the fields with few values (channel, provider, dataset), instead of one per event. */
const SHARED_VALUES = new Map<string, string>();
const MAX_SHARED_VALUES = 1024;

/**
 * The event as the context window keeps it: a TaskCache write with only the fields enrichment reads from it (the
 * first present of each list above), sharing the event's origin object (correlation.ts tells the match's own
 * write apart by it); other events as they are.
 */
export function projectForContext(ev: NormalizedEvent, kind: ContextKind): NormalizedEvent {
  if (kind !== 'taskcache') return ev;
  const doc: Record<string, unknown> = {};
  for (const { fewValues, choices } of PROJECTION) {
    for (const { parts, get } of choices) {
      let v = get(ev.doc);
      if (v === undefined) continue;
      if (fewValues && typeof v === 'string') {
        const shared = SHARED_VALUES.get(v);
        if (shared !== undefined) v = shared;
        else if (SHARED_VALUES.size < MAX_SHARED_VALUES) SHARED_VALUES.set(v, v);
      }
      let o = doc;
      for (let i = 0; i < parts.length - 1; i++) o = (o[parts[i]!] ??= {}) as Record<string, unknown>;
      o[parts[parts.length - 1]!] = v;
      break;
    }
  }
  const out: NormalizedEvent = { doc: doc as NormalizedEvent['doc'], timestamp: ev.timestamp, host: ev.host, origin: ev.origin };
  if (ev.order !== undefined) out.order = ev.order;
  return out;
}

/**
 * The event's time on its host's record-time clock. Exports such as OTRF's set Sysmon's @timestamp from
 * UtcTime while every other channel carries a local TimeCreated labelled UTC: when the record time
 * (winlog.time_created, else event.created) differs from @timestamp by whole quarter hours, the difference is a clock offset, not
 * latency, and is applied; sub-quarter-hour skew is left alone.
 */
export function alignedTime(ev: NormalizedEvent): number {
  const created = asStr(G_TIME_CREATED(ev.doc)) ?? asStr(G_CREATED(ev.doc));
  if (!created) return ev.timestamp;
  const c = Date.parse(created);
  if (!Number.isFinite(c)) return ev.timestamp;
  const d = c - ev.timestamp;
  if (Math.abs(d) < QUARTER_HOUR - 60_000) return ev.timestamp;
  return ev.timestamp + Math.round(d / QUARTER_HOUR) * QUARTER_HOUR;
}

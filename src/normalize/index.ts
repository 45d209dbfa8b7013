// Public API of normalization: InputItem → NormalizedEvent (one ECS document, nested objects).
//
// - `windows` items (EVTX / event XML) and flat exports (OTRF, NXLog) become Windows records, mapped per provider
//   and event id as Elastic's ingest pipelines do (sysmon.ts, security.ts, task-scheduler.ts); every other event
//   is still a generic ECS event (winlog.*, event.code/provider, host.*).
// - ECS documents (Defend, Agent, Winlogbeat; nested or dotted keys) pass through with the same canonical forms;
//   a Winlogbeat document with winlog.event_data but no ECS categorization gets the same mappings.
// - Anything else is `{ ok: false }` (the `query` command then uses the JSON as it is).
// Items are taken over: a `document`'s object and a WinEvent's event data may be reused and modified in place.
import type { InputItem, Origin, WinEvent } from '../formats/types.js';
import {
  applyCanonicalForms,
  expandDottedKeys,
  forwardedCollector,
  mergeMapped,
  needsWinlogMapping,
  winlogRecord,
} from './ecs-document.js';
import { flatExportRecord, isFlatExport } from './flat-export.js';
import type { MapContext, Mapper } from './mapper.js';
import { mapSecurity } from './security.js';
import { cleanSysmonData, mapSysmon } from './sysmon.js';
import { mapServiceInstall, mapTaskScheduler } from './task-scheduler.js';
import { windowsFamily, type WindowsFamily } from './record-kinds.js';
import type { TimeReading, TimeZone } from './time.js';
import { formatIso, parseTime, resolveTimeZone } from './time.js';
import type { EcsDocument, NormalizedEvent } from './types.js';
import { child, isSysmonEmpty, text } from './values.js';
import type { WinRecord } from './win-record.js';
import { baseWindowsDoc } from './win-record.js';

export type { EcsDocument, NormalizedEvent } from './types.js';
export { ClockCheck, parseTime, formatIso, resolveTimeZone, type ClockTally } from './time.js';
export type { ClockSkew, TimeZone } from './time.js';
export { canonicalRegistryPath, registryPathParts } from './registry.js';
export { canonicalGuid, canonicalIp } from './values.js';
export { ecsFieldType, isEcsField } from './ecs-schema.js';
export { recordCategories, windowsFamily, FAMILY_CHANNELS } from './record-kinds.js';
export type { WindowsFamily } from './record-kinds.js';

export interface NormalizeOptions {
  /**
   * Added to every timestamp of the input (correcting a clock), in milliseconds. Sysmon `UtcTime` moves too, so it
   * cannot fix an export that wrote local time labelled as UTC: that is `timezone`'s job (the ClockCheck says which).
   */
  timeOffsetMs?: number;
  /**
   * The zone an input's clock really wrote (IANA name such as "America/New_York", or "+05:00"). Applies to:
   * every time written without a zone (except Sysmon UtcTime, which is UTC by definition), and the record times of
   * JSON flat exports (TimeCreated / @timestamp / EventTime) even when they carry a `Z` — the exports that write
   * local time labelled as UTC. It does not apply to EVTX/XML TimeCreated (a FILETIME, UTC by construction), to
   * ECS documents' `Z` times, to explicit offsets, or to epoch numbers. `timeOffsetMs` is added after it.
   */
  timezone?: string;
}

/** Result of normalizing one item: an event, or the reason it could not be one. */
export type NormalizeResult = { ok: true; event: NormalizedEvent } | { ok: false; reason: string };

interface Context extends MapContext {
  /** Record times that may be mislabelled (flat exports). */
  recordTime: TimeReading;
  /** Zone-less times elsewhere. */
  plainTime: TimeReading;
  error?: string;
}

const contexts = new WeakMap<NormalizeOptions, Context>();
const NO_OPTIONS: NormalizeOptions = {};

// Callers that build a fresh options object per item still resolve the zone once.
const contextsByValue = new Map<string, Context>();

function context(options: NormalizeOptions): Context {
  let ctx = contexts.get(options);
  if (ctx) return ctx;
  const key = `${options.timezone ?? ''}\u0000${String(options.timeOffsetMs ?? 0)}`;
  ctx = contextsByValue.get(key);
  if (!ctx) {
    ctx = buildContext(options);
    if (contextsByValue.size > 64) contextsByValue.clear();
    contextsByValue.set(key, ctx);
  }
  contexts.set(options, ctx);
  return ctx;
}

function buildContext(options: NormalizeOptions): Context {
  let zone: TimeZone | undefined;
  let error: string | undefined;
  if (options.timezone !== undefined && options.timezone !== '') {
    try {
      zone = resolveTimeZone(options.timezone);
    } catch (err) {
      error = (err as Error).message;
    }
  }
  const offset = options.timeOffsetMs ?? 0;
  const ctx: Context = {
    timeOffsetMs: Number.isFinite(offset) ? offset : 0,
    recordTime: zone ? { zone, relabel: true } : {},
    plainTime: zone ? { zone } : {},
  };
  if (!Number.isFinite(offset)) error = `invalid time offset ${String(options.timeOffsetMs)}`;
  if (error) ctx.error = error;
  return ctx;
}

/** Checks options once (for the CLI): the error message, or undefined when they are usable. */
export function checkNormalizeOptions(options: NormalizeOptions): string | undefined {
  return context(options).error;
}

const MAPPERS: Record<WindowsFamily, Mapper | undefined> = {
  generic: undefined,
  sysmon: mapSysmon,
  security: mapSecurity,
  'task-scheduler': mapTaskScheduler,
  'service-control': mapServiceInstall,
};

// provider → channel → family; both repeat endlessly, so the lowercase comparisons run once per pair.
const familyCache = new Map<string, Map<string, WindowsFamily>>();

function family(provider: string, channel: string): WindowsFamily {
  let byChannel = familyCache.get(provider);
  if (!byChannel) {
    if (familyCache.size > 4096) familyCache.clear();
    byChannel = new Map();
    familyCache.set(provider, byChannel);
  }
  let f = byChannel.get(channel);
  if (f !== undefined) return f;
  f = windowsFamily(provider, channel);
  if (byChannel.size < 256) byChannel.set(channel, f);
  return f;
}

/** Builds the ECS document of a Windows record; the timestamp is TimeCreated unless the mapper has a better one. */
function mapRecord(rec: WinRecord, ctx: Context): { doc: EcsDocument; timestamp: number | undefined; own: boolean } {
  const fam = family(rec.provider, rec.channel);
  if (fam === 'sysmon') rec.data = cleanSysmonData(rec.data);
  const doc = baseWindowsDoc(rec);
  const mapper = MAPPERS[fam];
  const own = mapper ? mapper(doc, rec.data, rec, ctx) : undefined;
  return typeof own === 'number' ? { doc, timestamp: own, own: true } : { doc, timestamp: rec.timeCreated, own: false };
}

function hostKey(doc: EcsDocument): string {
  const host = doc.host as Record<string, unknown> | undefined;
  const key = host?.id ?? host?.name;
  return text(key);
}

function done(doc: EcsDocument, timestamp: number | undefined, origin: Origin, what: string): NormalizeResult {
  if (timestamp === undefined || !Number.isFinite(timestamp)) return { ok: false, reason: `${what} has no readable time` };
  return { ok: true, event: { doc, timestamp, origin, host: hostKey(doc) } };
}

/** The origin, plus the event's own EventRecordID when the export carried one (RecordNumber, winlog.record_id). */
function withRecord(origin: Origin, recordId: number | string | undefined): Origin {
  if (origin.record !== undefined || recordId === undefined) return origin;
  const n = typeof recordId === 'number' ? recordId : Number(recordId);
  return Number.isSafeInteger(n) && n >= 0 ? { ...origin, record: n } : origin;
}

function winEventRecord(ev: WinEvent, ctx: Context): WinRecord {
  const s = ev.system;
  // TimeCreated/@SystemTime is rendered from a FILETIME: UTC by construction (only the offset applies).
  const t = parseTime(s.timeCreated);
  const rec: WinRecord = {
    provider: s.provider,
    eventId: s.eventId,
    channel: s.channel,
    computer: s.computer,
    timeCreated: t === undefined ? undefined : t + ctx.timeOffsetMs,
    data: ev.eventData ?? {},
  };
  if (s.providerGuid !== undefined) rec.providerGuid = s.providerGuid;
  if (s.recordId !== undefined) rec.recordId = s.recordId;
  if (s.version !== undefined) rec.version = s.version;
  if (s.level !== undefined) rec.level = s.level;
  if (s.task !== undefined) rec.task = s.task;
  if (s.opcode !== undefined) rec.opcode = s.opcode;
  if (s.keywords !== undefined) rec.keywords = s.keywords;
  if (s.activityId !== undefined) rec.activityId = s.activityId;
  if (s.relatedActivityId !== undefined) rec.relatedActivityId = s.relatedActivityId;
  if (s.processId !== undefined) rec.processId = s.processId;
  if (s.threadId !== undefined) rec.threadId = s.threadId;
  if (s.userId !== undefined) rec.userId = s.userId;
  if (ev.userData !== undefined) rec.userData = ev.userData;
  if (ev.rendering !== undefined) rec.rendering = ev.rendering;
  return rec;
}

function normalizeDocument(raw: Record<string, unknown>, origin: Origin, ctx: Context): NormalizeResult {
  if (isFlatExport(raw)) {
    const sysmon = family(text(raw.SourceName ?? raw.ProviderName), raw.Channel as string) === 'sysmon';
    const rec = flatExportRecord(raw, ctx.recordTime, ctx.timeOffsetMs, sysmon ? isSysmonEmpty : undefined);
    const { doc, timestamp } = mapRecord(rec, ctx);
    return done(doc, timestamp, withRecord(origin, rec.recordId), `${rec.channel} event ${rec.eventId}`);
  }
  const doc = expandDottedKeys(raw);
  const tsRaw = doc['@timestamp'];
  let ts = parseTime(tsRaw, ctx.plainTime);
  if (ts !== undefined) ts += ctx.timeOffsetMs;

  if (needsWinlogMapping(doc)) {
    const winlog = doc.winlog as Record<string, unknown>;
    let created = parseTime(winlog.time_created, ctx.plainTime);
    if (created !== undefined) created += ctx.timeOffsetMs;
    const rec = winlogRecord(doc, created ?? ts);
    const mapped = mapRecord(rec, ctx);
    const merged = mergeMapped(doc, mapped.doc);
    const collector = forwardedCollector(doc);
    if (collector !== undefined) child(merged, 'observer').hostname = collector;
    // A Sysmon UtcTime wins, as in Elastic's pipeline; otherwise the document's own @timestamp.
    const timestamp = mapped.own ? mapped.timestamp : ts ?? mapped.timestamp;
    if (timestamp !== undefined) merged['@timestamp'] = formatIso(timestamp);
    applyCanonicalForms(merged);
    return done(merged, timestamp, withRecord(origin, rec.recordId), 'Winlogbeat document');
  }

  if (tsRaw === undefined) {
    return { ok: false, reason: 'not a Windows event or ECS document (no @timestamp, winlog.*, or Channel/EventID)' };
  }
  if (ts === undefined) return { ok: false, reason: `unreadable @timestamp ${JSON.stringify(tsRaw).slice(0, 80)}` };
  doc['@timestamp'] = formatIso(ts);
  applyCanonicalForms(doc);
  return done(doc, ts, origin, 'ECS document');
}

/**
 * True when a JSON document is a Windows event in some export's shape (a flat export, or Winlogbeat/Agent with
 * `winlog.*`), which normalization rewrites; false for ECS documents and any other JSON, which it only touches up.
 */
export function isWindowsDocument(doc: Record<string, unknown>): boolean {
  const winlog = doc.winlog;
  return isFlatExport(doc) || (winlog !== null && typeof winlog === 'object') || typeof doc['winlog.channel'] === 'string';
}

/** Normalizes one input item. Never throws for bad content: the reason comes back instead. */
export function normalize(item: InputItem, options: NormalizeOptions = NO_OPTIONS): NormalizeResult {
  const ctx = context(options);
  if (ctx.error) return { ok: false, reason: ctx.error };
  try {
    switch (item.kind) {
      case 'windows': {
        const rec = winEventRecord(item.event, ctx);
        const { doc, timestamp } = mapRecord(rec, ctx);
        return done(doc, timestamp, item.origin, `${rec.channel} event ${rec.eventId}`);
      }
      case 'document':
        return normalizeDocument(item.doc, item.origin, ctx);
      default:
        return { ok: false, reason: `not an event: ${item.message}` };
    }
  } catch (err) {
    // A malformed record must not stop the stream; the caller reports it with its origin.
    return { ok: false, reason: `could not normalize: ${(err as Error).message}` };
  }
}

// Flat exports (OTRF datasets, NXLog im_msvistalog JSON): Windows System fields and EventData fields side by side
// at the top level of one JSON object. This adapter splits them back into a WinRecord.
import type { TimeReading } from './time.js';
import { parseTime } from './time.js';
import type { EventData } from './values.js';
import { setOwn, text, toLong } from './values.js';
import type { WinRecord } from './win-record.js';

/** True when a JSON object looks like a flat export: a Channel and an EventID at the top level, no winlog. */
export function isFlatExport(doc: Record<string, unknown>): boolean {
  const id = doc.EventID;
  return (
    typeof doc.Channel === 'string' &&
    (typeof id === 'number' || (typeof id === 'string' && /^\d+$/.test(id))) &&
    doc.winlog === undefined
  );
}

/** NXLog writes its own severity into EventType, clobbering Sysmon's EventType (SetValue, …) in some events. */
const NXLOG_EVENT_TYPES = new Set(['INFO', 'AUDIT_SUCCESS', 'AUDIT_FAILURE', 'WARNING', 'ERROR', 'CRITICAL', 'VERBOSE']);

/** Keys that are always System/collector fields, never event data. */
const SYSTEM_KEYS = new Set([
  'Channel', 'EventID', 'Hostname', 'Computer', 'ComputerName', 'TimeCreated', '@timestamp', 'EventTime',
  'EventReceivedTime', 'RecordNumber', 'EventRecordID', 'SourceName', 'ProviderName', 'ProviderGuid', 'Level',
  'Keywords', 'Task', 'Opcode', 'OpcodeValue', 'Message', 'ExecutionProcessID', 'ExecutionThreadID', 'ThreadID',
  'ActivityID', 'RelatedActivityID', 'UserID', 'Severity', 'SeverityValue', 'SourceModuleName', 'SourceModuleType',
  'host', 'port', 'tags', '@version', 'Category', 'EventType', 'Version',
]);

/** Record-time fields, best first: TimeCreated (OTRF), @timestamp (NXLog: UTC), EventTime (NXLog: local, no zone). */
const TIME_KEYS = ['TimeCreated', '@timestamp', 'EventTime', 'EventReceivedTime'];

/**
 * Splits a flat export object (`dropEmpty` filters event data values while copying, for Sysmon). Ambiguous names are decided by value: `Version` and `Task` that are numbers (NXLog)
 * or `Task` in OTRF are System fields; NXLog's `EventType` severities are dropped; `AccountName`/`Domain`/
 * `AccountType` are NXLog's resolution of UserID only when it wrote `AccountType` beside `UserID`.
 */
export function flatExportRecord(
  doc: Record<string, unknown>,
  recordTime: TimeReading,
  timeOffsetMs: number,
  dropEmpty: (v: unknown) => boolean = () => false,
): WinRecord {
  const nxlogAccount = doc.AccountType !== undefined && doc.UserID !== undefined;
  const data: EventData = {};
  for (const key in doc) {
    const v = doc[key];
    if (SYSTEM_KEYS.has(key)) {
      if (key === 'EventType' && !(typeof v === 'string' && NXLOG_EVENT_TYPES.has(v))) data.EventType = v;
      else if (key === 'Version' && typeof v === 'string') data.Version = v;
      continue;
    }
    if (nxlogAccount && (key === 'AccountName' || key === 'Domain' || key === 'AccountType')) continue;
    if (dropEmpty(v)) continue;
    // Event data is text in Windows (and keyword in Elastic): NXLog's numbers become strings, so that
    // `winlog.event_data.LogonType == "3"` holds whatever wrote the export.
    setOwn(data, key, typeof v === 'number' || typeof v === 'boolean' ? String(v) : v);
  }
  let timeCreated: number | undefined;
  for (const k of TIME_KEYS) {
    if (doc[k] === undefined) continue;
    const t = parseTime(doc[k], recordTime);
    if (t !== undefined) {
      timeCreated = t + timeOffsetMs;
      break;
    }
  }
  const computer = doc.Hostname ?? doc.Computer ?? doc.ComputerName;
  const rec: WinRecord = {
    provider: text(doc.SourceName ?? doc.ProviderName),
    eventId: toLong(doc.EventID as string | number) ?? 0,
    channel: doc.Channel as string,
    computer: typeof computer === 'string' ? computer : '',
    timeCreated,
    data,
  };
  if (typeof doc.ProviderGuid === 'string') rec.providerGuid = doc.ProviderGuid;
  const recordId = doc.RecordNumber ?? doc.EventRecordID;
  if (typeof recordId === 'number' || typeof recordId === 'string') rec.recordId = recordId;
  if (typeof doc.Version === 'number') rec.version = doc.Version;
  if (typeof doc.Level === 'number' || typeof doc.Level === 'string') rec.level = doc.Level;
  if (typeof doc.Task === 'number' || typeof doc.Task === 'string') rec.task = doc.Task;
  if (typeof doc.Opcode === 'number' || typeof doc.Opcode === 'string') rec.opcode = doc.Opcode;
  const kw = doc.Keywords;
  if (typeof kw === 'string' || typeof kw === 'number') rec.keywords = kw;
  if (typeof doc.ActivityID === 'string') rec.activityId = doc.ActivityID;
  if (typeof doc.RelatedActivityID === 'string') rec.relatedActivityId = doc.RelatedActivityID;
  const pid = toLong(doc.ExecutionProcessID as string | number | undefined);
  if (pid !== undefined) rec.processId = pid;
  const tid = toLong((doc.ExecutionThreadID ?? doc.ThreadID) as string | number | undefined);
  if (tid !== undefined) rec.threadId = tid;
  if (typeof doc.UserID === 'string') rec.userId = doc.UserID;
  if (typeof doc.Message === 'string') rec.message = doc.Message;
  return rec;
}

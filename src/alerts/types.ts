// An alert, shaped after the ECS / Kibana alert schema with dotted kibana.alert.* keys at the top level,
// as Kibana stores them. Built by src/alerts; adjusted by src/tuning (exceptions, risk); written by the sinks.
import type { EcsDocument } from '../normalize/types.js';
import type { Origin } from '../formats/types.js';

/** A factor that moved the alert's risk score, e.g. { factor: 'command runs cmd /c', delta: +10 }. */
export interface RiskFactor {
  factor: string;
  delta: number;
}

export type TaskActionType = 'exec' | 'com_handler' | 'send_email' | 'show_message';

/** One action; field names mirror ECS `winlog.scheduled_task.actions[]` so both sources compare directly. */
export interface TaskAction {
  type: TaskActionType;
  id?: string;
  command?: string;
  arguments?: string;
  working_directory?: string;
  /** Exec flags (version 3 values only). */
  flags?: number;
  /** ComHandler CLSID "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}". */
  class_id?: string;
  data?: string;
  /** SendEmail / ShowMessage fields, kept for completeness. */
  to?: string;
  subject?: string;
  body?: string;
  server?: string;
  caption?: string;
  message?: string;
}

/** Context a responder asks for first, each from the telemetry (absent when not seen, never guessed). */
export interface TaskContext {
  /** Task path as registered, e.g. "\\Microsoft\\Windows\\...\\EventCacheManager". */
  name?: string;
  /** The TaskCache GUID "{...}". */
  guid?: string;
  command?: string;
  arguments?: string;
  /** The account the task runs as (its principal). */
  runAs?: string;
  /** Well-known SID or account id behind runAs, when the telemetry gave one (e.g. "S-1-5-18"). */
  runAsSid?: string;
  /** Principal RunLevel: "HighestAvailable" (elevated) or "LeastPrivilege". */
  runLevel?: string;
  /** `<Actions Context>` / the Actions value's context: the principal id the actions run under. */
  context?: string;
  workingDirectory?: string;
  /** RegistrationInfo Author (as the creator's client wrote it; not proof of who created it). */
  author?: string;
  /** Settings Hidden (atexec-style tasks set it). */
  hidden?: boolean;
  /** Every action when the task has more than one (command/arguments hold the first Exec). */
  actions?: TaskAction[];
  /** Problems reading the task's content (e.g. a damaged Actions value), kept so nothing fails silently. */
  problems?: string[];
  /**
   * Which telemetry each item came from, with where it was read, e.g.
   * { name: 'Sysmon 13 TaskCache Tree\\…\\Id (file.json:897)', command: 'Security 4698 TaskContent (Security.evtx#14)' };
   * also 'source.ip' and 'source.user' for the alert's source fields.
   */
  evidence: Record<string, string>;
}

export interface RelatedActivity {
  kind: 'admin-share' | 'service-install' | 'logon' | 'task-event' | 'process';
  '@timestamp': string;
  summary: string;
  event: EcsDocument;
}

export interface Alert {
  /** The time of the match's last event (deterministic: the same input gives the same alerts). */
  '@timestamp': string;
  'kibana.alert.uuid': string;
  'kibana.alert.original_time': string;
  'kibana.alert.rule.name': string;
  'kibana.alert.rule.rule_id': string;
  'kibana.alert.rule.uuid': string;
  'kibana.alert.rule.risk_score': number;
  'kibana.alert.rule.severity': string;
  'kibana.alert.rule.threat': unknown[];
  'kibana.alert.rule.description'?: string;
  'kibana.alert.rule.tags'?: string[];
  'kibana.alert.risk_score': number;
  'kibana.alert.severity': string;
  'kibana.alert.status'?: string;
  'kibana.alert.workflow_status'?: string;
  'kibana.alert.reason'?: string;
  /** Why the risk score moved from the rule's (empty when unchanged). */
  'seqhunt.risk.factors'?: RiskFactor[];
  'host.id'?: string;
  'host.name'?: string;
  'source.ip'?: string;
  'source.port'?: number;
  /** The remote user who created the task. */
  'source.user.name'?: string;
  'source.user.domain'?: string;
  'seqhunt.task'?: TaskContext;
  /** Shared by every alert (any rule) about the same task from the same source on the same host. */
  'seqhunt.incident.id'?: string;
  'destination.ip'?: string;
  'destination.port'?: number;
  /** The process common to the matched events (the Task Scheduler svchost for the flagship). */
  'process.entity_id'?: string;
  'process.pid'?: number;
  'process.name'?: string;
  'process.executable'?: string;
  'seqhunt.related'?: RelatedActivity[];
  /** The blind spot of the flagship this companion rule covers. */
  'seqhunt.covers_blind_spot'?: string;
  /** Exception items that suppressed it (present only when suppressed alerts are shown/written). */
  suppressed_by?: Array<{ list_id: string; item_id: string; name: string }>;
  /** The matched events in order, each the normalized document (null for a missing-event slot). */
  events: Array<EcsDocument | null>;
  /** Where each matched event was read from. */
  'seqhunt.origins': Array<Origin | null>;
  [key: string]: unknown;
}

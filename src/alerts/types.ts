// An alert, shaped after the ECS / Kibana alert schema with dotted kibana.alert.* keys at the top level,
// as Kibana stores them. Built by src/alerts; adjusted by src/tuning (exceptions, risk); written by the sinks.
import type { EcsDocument } from '../normalize/types.js';
import type { Origin } from '../formats/types.js';

/** A factor that moved the alert's risk score, e.g. { factor: 'command runs cmd /c', delta: +10 }. */
export interface RiskFactor {
  factor: string;
  delta: number;
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
  /** Which telemetry each item came from, e.g. { name: 'Security 4698', command: 'registry Actions' }. */
  evidence: Record<string, string>;
}

export interface RelatedActivity {
  kind: 'admin-share' | 'service-install' | 'logon' | 'task-event' | 'process';
  '@timestamp': string;
  summary: string;
  event: EcsDocument;
}

export interface Alert {
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

// A detection rule as loaded from TOML (Elastic detection-rules shape: [metadata] and [rule]).
import type { CompiledQuery } from '../eql/api.js';

export type Severity = 'low' | 'medium' | 'high' | 'critical';

/** One MITRE ATT&CK mapping entry, as detection-rules writes `[[rule.threat]]`. */
export interface ThreatEntry {
  framework: 'MITRE ATT&CK';
  tactic: { id: string; name: string; reference: string };
  technique?: Array<{
    id: string;
    name: string;
    reference: string;
    subtechnique?: Array<{ id: string; name: string; reference: string }>;
  }>;
}

/** Positive/negative example events carried beside a rule (`seqhunt rules test`). */
export interface RuleExamples {
  /** Each positive example is a list of ECS documents that must produce at least one match. */
  positive: Array<{ name: string; events: Array<Record<string, unknown>>; expectedMatches?: number }>;
  /** Each negative example must produce no match. */
  negative: Array<{ name: string; events: Array<Record<string, unknown>> }>;
}

export interface Rule {
  ruleId: string;
  name: string;
  description: string;
  type: 'eql';
  language: 'eql';
  query: string;
  riskScore: number;
  severity: Severity;
  threat: ThreatEntry[];
  tags: string[];
  references: string[];
  falsePositives: string[];
  /** Investigation guide (Markdown). */
  note?: string;
  timestampField?: string;
  tiebreakerField?: string;
  eventCategoryField?: string;
  /** For companion rules: the flagship blind spot this rule covers (a label shown in alerts and docs). */
  coversBlindSpot?: string;
  /** Exception list ids attached to this rule ([[rule.exceptions_list]]). */
  exceptionLists: string[];
  examples?: RuleExamples;
  /** Where the rule was loaded from ("builtin:<file>" for the shipped pack). */
  source: string;
  /** Metadata block (creation_date, maturity, ...), kept as read. */
  metadata: Record<string, unknown>;
}

/** A rule ready to run. */
export interface LoadedRule {
  rule: Rule;
  query: CompiledQuery;
}

/** A rule that failed to load: reported with its place, the other rules still load. */
export interface RuleProblem {
  file: string;
  line?: number;
  field?: string;
  message: string;
}

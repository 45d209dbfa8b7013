// Public types of tuning: exception lists in Kibana's exported shape, suppression results, risk knowledge.
// The list and item objects are Kibana's own (POST /api/exception_lists/_export, one JSON object a line);
// fields seqhunt does not read are kept as they came, so a file loads and writes back unchanged.

export type EntryOperator = 'included' | 'excluded';

export interface EntryMatch {
  type: 'match';
  field: string;
  operator: EntryOperator;
  value: string;
}

export interface EntryMatchAny {
  type: 'match_any';
  field: string;
  operator: EntryOperator;
  value: string[];
}

/** Elasticsearch `wildcard` query semantics: `*` any run, `?` one character, `\` escapes the next character. */
export interface EntryWildcard {
  type: 'wildcard';
  field: string;
  operator: EntryOperator;
  value: string;
}

export interface EntryExists {
  type: 'exists';
  field: string;
  operator: EntryOperator;
}

/** A Kibana value list (uploaded separately; never part of an export). seqhunt cannot read it. */
export interface EntryList {
  type: 'list';
  field: string;
  operator: EntryOperator;
  list: { id: string; type: string };
}

/** Entries that must all hold for one object of the array at `field` (ES `nested` query). */
export interface EntryNested {
  type: 'nested';
  field: string;
  entries: Array<EntryMatch | EntryMatchAny | EntryExists | EntryWildcard>;
}

export type ExceptionEntry = EntryMatch | EntryMatchAny | EntryWildcard | EntryExists | EntryList | EntryNested;

export interface ExceptionComment {
  id?: string;
  comment: string;
  created_at?: string;
  created_by?: string;
  updated_at?: string;
  updated_by?: string;
}

export type NamespaceType = 'single' | 'agnostic';

/** Kibana list types. `rule_default` is one rule's own list; the others are shared lists (see Suppressor). */
export type ExceptionListType =
  | 'detection'
  | 'rule_default'
  | 'endpoint'
  | 'endpoint_trusted_apps'
  | 'endpoint_events'
  | 'endpoint_host_isolation_exceptions'
  | 'endpoint_blocklists';

/** The list object, first line of an export. */
export interface ExceptionListObject {
  id?: string;
  list_id: string;
  type: ExceptionListType;
  name: string;
  description: string;
  immutable?: boolean;
  namespace_type?: NamespaceType;
  os_types?: string[];
  tags?: string[];
  meta?: Record<string, unknown>;
  version?: number;
  _version?: string;
  tie_breaker_id?: string;
  created_at?: string;
  created_by?: string;
  updated_at?: string;
  updated_by?: string;
  [key: string]: unknown;
}

/** One exception item: its entries are ANDed; the items of a list are ORed. */
export interface ExceptionListItem {
  id?: string;
  item_id: string;
  list_id: string;
  type: 'simple';
  name: string;
  description: string;
  entries: ExceptionEntry[];
  namespace_type?: NamespaceType;
  os_types?: string[];
  tags?: string[];
  meta?: Record<string, unknown>;
  /** ISO 8601; from then on the item no longer suppresses. */
  expire_time?: string;
  comments?: ExceptionComment[];
  _version?: string;
  tie_breaker_id?: string;
  created_at?: string;
  created_by?: string;
  updated_at?: string;
  updated_by?: string;
  [key: string]: unknown;
}

/** A loaded list with its items; `file` says where it came from (for messages). */
export interface ExceptionList {
  list: ExceptionListObject;
  items: ExceptionListItem[];
  file?: string;
}

export interface ExceptionProblem {
  file: string;
  line?: number;
  message: string;
}

/** One exception item that matched an alert (the Alert's `suppressed_by` entries have this shape). */
export interface SuppressionMatch {
  list_id: string;
  item_id: string;
  name: string;
}

export interface ItemSummary extends SuppressionMatch {
  /** Alerts this item matched (an alert matched by two items counts for both). */
  suppressed: number;
  /** Alerts attributed to this item alone: the first matching item in load order. Sums to `alertsSuppressed`. */
  attributed: number;
  /** Set when the item has expired: it then suppresses nothing, and `wouldHaveSuppressed` counts its matches. */
  expired?: { expire_time: string; wouldHaveSuppressed: number };
  /** Why the item can never suppress (e.g. it needs a value list seqhunt cannot read). */
  inert?: string;
}

export interface SuppressionSummary {
  alertsChecked: number;
  alertsSuppressed: number;
  items: ItemSummary[];
}

/** What a baseline tells the risk score about sources (see riskKnowledgeFromLists). */
export interface RiskKnowledge {
  /** Sources (IP or host name, lower case) seen creating tasks during the baseline period. */
  seenSources: ReadonlySet<string>;
  /** Sources with at least one proposed/accepted baseline item. */
  baselinedSources: ReadonlySet<string>;
}

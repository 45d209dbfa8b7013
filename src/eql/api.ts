// Public types of the EQL engine (a library with no I/O). Stable boundary: other folders import only these
// and the functions exported from ./index.ts.

/** Elasticsearch field types that change how values compare. Anything unknown behaves as keyword. */
export type FieldType = 'keyword' | 'text' | 'wildcard' | 'ip' | 'long' | 'integer' | 'short' | 'byte' | 'double' | 'float' | 'scaled_float' | 'date' | 'boolean' | 'object';

export interface CompileOptions {
  /** Default "@timestamp". */
  timestampField?: string;
  /** Optional tiebreaker field (ordering is the caller's job; the engine reports it in `orderFields`). */
  tiebreakerField?: string;
  /** Default "event.category"; may hold an array. */
  eventCategoryField?: string;
  /** Result size for `query` (Elasticsearch default 10). Pipes `head`/`tail` apply on top. */
  size?: number;
  /** The mapping: field name → type. Unmapped fields are keyword (strings compare as strings). */
  fieldType?: (field: string) => FieldType | undefined;
  /** When given, fields for which this returns false are reported as unknown-field errors (optional `?field`s excepted). */
  isKnownField?: (field: string) => boolean;
}

/** A positioned error: syntax, unknown field or function, wrong argument type. */
export interface EqlErrorInfo {
  message: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** What the parser expected at this spot, when it knows. */
  expected?: string[];
}

/** One stage of a query: the single event query, or one `[...]` of a sequence (including `until`). */
export interface StageInfo {
  /** Event category, or "any". */
  category: string;
  /** True for a missing-event stage `![...]`. */
  missing: boolean;
  /** True for the `until` stage. */
  until: boolean;
  /** `with runs=N` (1 when absent). */
  runs: number;
  /** Every field the stage's condition reads. */
  fields: string[];
}

/** A completed match. For an event query: one event. For a sequence: one slot per stage (runs expanded). */
export interface Match<E = unknown> {
  /** Events in stage order; `null` in a missing-event slot. */
  events: Array<E | null>;
  /** Values of the join keys (sequence `by` keys), in order; [] for event queries. */
  joinKeys: unknown[];
}

/**
 * Incremental matcher. The caller pushes events in order (timestamp, tiebreaker, input order) and gets the
 * matches each push completes. State is bounded by maxspan: partial sequences that can no longer complete
 * are dropped as event time advances.
 */
export interface Matcher<E = unknown> {
  /** `event` is the document fields are read from; `timestamp` its time in epoch ms (default: the timestamp field). */
  push(event: E, timestamp?: number): Match<E>[];
  /** End of input: returns matches that were waiting on it (e.g. trailing missing-event stages). */
  flush(): Match<E>[];
  /** Number of partial sequences held (for memory accounting and tests). */
  readonly pendingCount: number;
}

export interface CompiledQuery {
  readonly kind: 'event' | 'sequence';
  readonly source: string;
  readonly stages: readonly StageInfo[];
  /** Every field the query reads (conditions and join keys). */
  readonly fields: readonly string[];
  /** Sequence maxspan in ms (undefined when none or for event queries). */
  readonly maxspanMs?: number;
  /** Pipes in order, e.g. [{ kind: 'head', n: 5 }]. */
  readonly pipes: ReadonlyArray<{ kind: 'head' | 'tail'; n: number }>;
  readonly options: Readonly<Required<Pick<CompileOptions, 'timestampField' | 'eventCategoryField' | 'size'>>> & { tiebreakerField?: string };
  /** Event queries: does this one event match? (Sequences: does it match any stage?) */
  matches(event: unknown): boolean;
  /**
   * Could this event change what a matcher does or returns? For an event query: it matches. For a sequence: it
   * matches some stage, missing-event and `until` stages included. Events for which this is false can be left out
   * of a matcher's input without changing any match (the runtime skips ordering them).
   */
  mayUse(event: unknown): boolean;
  /**
   * Per stage, in `stages` order (`until` last): undefined when the event does not match the stage, else the join
   * keys the matcher would hold it under, encoded as the matcher compares them ([] when a required key is null).
   * For an event query: one stage, keys always []. Lets a caller prove an event useless for a sequence (e.g. it
   * can only start one and no event anywhere can take its next stage with the same keys).
   */
  stageKeys(event: unknown): Array<string[] | undefined>;
  /** A fresh incremental matcher; the same compiled query serves files and live streams. */
  matcher<E = unknown>(): Matcher<E>;
}

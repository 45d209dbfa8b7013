// The boundary between normalization and the detection runtime.
import type { Origin } from '../formats/types.js';

/** An ECS document as nested objects (`{process: {name: ...}}`), the one shape rules see. */
export type EcsDocument = Record<string, unknown>;

/** A normalized event: the ECS document plus what the runtime needs without looking inside it. */
export interface NormalizedEvent {
  doc: EcsDocument;
  /** `@timestamp` as epoch milliseconds (fractional part keeps sub-millisecond precision). */
  timestamp: number;
  /** The host this event belongs to (host.id, else host.name), the unit of ordering and of sequence keys. */
  host: string;
  origin: Origin;
  /**
   * Place in the input, for ordering events of equal time (smaller first). Set when inputs are read in parallel
   * (source index, then position in the source); otherwise events keep the order they are pushed in.
   */
  order?: number;
}

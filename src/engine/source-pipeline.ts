// One input, read → normalized → bounded in time → left out when no rule or enrichment can use it: the part of a
// hunt that needs no other input, so it runs the same in the calling thread and in a worker thread (hunt-workers.ts).
// What it produces goes to a `SourceSink`; the sorting, rules and alerts stay with the caller.
import { readHeldLine, readSource, type HeldLine, type InputItem, type InputOptions, type InputSource, type Origin, type PieceState } from '../formats/index.js';
import { ClockCheck, normalize, type ClockTally, type NormalizeOptions, type NormalizedEvent } from '../normalize/index.js';
import type { LoadedRule } from '../rules/types.js';
import { CoverageTracker, type CoverageDetail } from './coverage.js';
import { holdYoungGeneration } from './heap-tuning.js';
import type { HeldLines } from './held-lines.js';
import { firstStageWords, prefilterForRules } from './prefilter.js';
import { recordFilterForRules } from './record-filter.js';
import { heldKeySummary, heldLineKeys, heldLineSelect, heldLineTests, SequencePruner, type HeldKeySummary } from './sequence-pruning.js';

/** How sources are read and filtered: plain data, so that it crosses to worker threads as is. */
export interface PipelineSpec {
  normalize: NormalizeOptions;
  /** Only events with from <= timestamp <= to (epoch ms) go on. */
  from: number;
  to: number;
  format?: InputOptions['format'];
  /**
   * Skip, undecoded, what no rule and no enrichment can use: NDJSON lines holding none of the words they look for
   * (prefilter.ts), EVTX records of providers and event ids that cannot become such events (record-filter.ts).
   * Skipped input is not checked for malformation nor seen by coverage or `onNormalized`.
   */
  prefilter: boolean;
  /**
   * Leave out events no rule stage and no enrichment can use (they are decoded and normalized, then dropped), and
   * gate those that can only start a sequence (sequence-pruning.ts).
   */
  relevantOnly: boolean;
  /**
   * With `prefilter` and `relevantOnly`: NDJSON lines that can only start a pruned sequence are held undecoded
   * (`SourceSink.hold`) and decoded once everything is read only if their join key came (`replay`). Needs every
   * held line to be replayed, so not with coverage or `onNormalized` (they would see those events late).
   */
  hold: boolean;
  /** How coverage is counted, when it is (coverage.ts; default 'counts'). */
  coverageDetail?: CoverageDetail;
}

/** Where a source's output goes (the hunt's tallies and rule session, or a worker's messages). */
export interface SourceSink {
  /** A problem item, and how many records of the source were read before it. */
  problem(item: Extract<InputItem, { kind: 'problem' }>, recordsBefore: number): void;
  notNormalized(origin: Origin, reason: string): void;
  /**
   * A normalized event within the time bounds that some rule or enrichment may use, with its gate when it may
   * still prove useless once everything is read (sequence-pruning.ts), and then the NDJSON line it was read from
   * (when it was one): the sort holds that line rather than the document, and revives it only if it is kept.
   */
  event(event: NormalizedEvent, gate?: string, line?: string): void;
  /**
   * An NDJSON line held undecoded (`PipelineSpec.hold`), with the summary of the key values it may carry
   * (sequence-pruning.ts `HeldKeySummary`; only valid during the call): to be given back to `replayHeld` once
   * everything is read.
   */
  hold(item: HeldLine, summary: Uint32Array): void;
  /** A promise to wait for before the next item when the consumer lags (a worker out of credit), else undefined. */
  backlog?(): Promise<void> | undefined;
}

export interface SourceCounts {
  /** Items read (records, lines, documents). */
  records: number;
  /** Normalized events (before the time bounds). */
  events: number;
  outsideRange: number;
  /** Events within the bounds left out as unusable (`relevantOnly`). */
  unused: number;
  /** NDJSON lines and EVTX records the pre-filter passed over (held lines not decoded in the end included). */
  skipped: number;
  /** NDJSON lines held undecoded (`PipelineSpec.hold`); `replay` counts them again as records or skipped. */
  held: number;
  /** Of those, the ones `replay` decoded. */
  decoded: number;
  /** Record times against Sysmon UtcTime (`ClockCheck`), when some event had both: joined per input by the caller. */
  clock?: ClockTally;
  /** A piece of a file (`InputSource.piece`): its lines, and whether it read on to the end of the file. */
  piece?: PieceState;
  /** Why reading stopped early (cannot open, I/O error): this input only is lost from there on. */
  error?: string;
}

/** Input order of events across sources: source index × this + position in the source (exact below 2^53). */
export const SOURCE_ORDER_SPAN = 2 ** 32;

/** The source index an input order belongs to. */
export const sourceOfOrder = (order: number): number => Math.floor(order / SOURCE_ORDER_SPAN);

/** The counts that add up over sources (and pieces of a file). */
const SUMMED = ['records', 'events', 'outsideRange', 'unused', 'skipped', 'held', 'decoded'] as const;

/** Adds the summed counts of `c` to `into`. */
export function addCounts(into: SourceCounts, c: SourceCounts): void {
  for (const k of SUMMED) into[k] += c[k];
}

export function emptyCounts(): SourceCounts {
  return { records: 0, events: 0, outsideRange: 0, unused: 0, skipped: 0, held: 0, decoded: 0 };
}

/** Reads sources one at a time with the filters the rules allow; holds the coverage tally when asked for one. */
export class SourcePipeline {
  /** Decides which events are usable and gates those that can only start a sequence (when `relevantOnly`). */
  readonly pruner: SequencePruner | undefined;
  private readonly readOptions: InputOptions;
  private readonly lineFilter: ReturnType<typeof prefilterForRules>;
  private readonly lineKeys: ReturnType<typeof heldLineKeys>;
  private readonly keySummary: HeldKeySummary;
  private readonly summary: Uint32Array;
  private readonly timeOffsetMs: number;
  private skippedRecords = 0;
  /** Coverage over every normalized event within the bounds (before events are left out). */
  readonly coverage: CoverageTracker | undefined;

  /**
   * `coverageRules`: track coverage for these rules (undefined: none). `extra`: reader options of the caller's own
   * (functions; the calling thread only). `onNormalized`: every event within the bounds, before it may be left out.
   */
  constructor(
    private readonly rules: readonly LoadedRule[],
    private readonly spec: PipelineSpec,
    coverageRules?: readonly LoadedRule[],
    extra: InputOptions = {},
    private readonly onNormalized?: (event: NormalizedEvent) => void,
  ) {
    this.coverage = coverageRules ? new CoverageTracker(coverageRules, spec.coverageDetail) : undefined;
    this.pruner = spec.relevantOnly ? new SequencePruner(rules) : undefined;
    const hold = spec.hold && spec.relevantOnly && !coverageRules && !onNormalized;
    this.lineFilter = spec.prefilter && !extra.lineFilter ? prefilterForRules(rules, { hold }) : undefined;
    this.lineKeys = hold ? heldLineKeys(rules) : [];
    this.keySummary = heldKeySummary(this.lineKeys);
    this.summary = new Uint32Array(this.keySummary.width);
    const recordFilter = spec.prefilter && !extra.filter ? recordFilterForRules([...rules, ...(coverageRules ?? [])], { coverage: coverageRules !== undefined || onNormalized !== undefined }) : undefined;
    this.readOptions = {
      ...extra,
      ...(spec.format && { format: spec.format }),
      ...(this.lineFilter && { lineFilter: this.lineFilter }),
      // Rejections are counted: the reader skips a record exactly when the filter says no.
      ...(recordFilter && { filter: (provider: string, eventId: number) => recordFilter(provider, eventId) || (this.skippedRecords++, false) }),
    };
    const offset = spec.normalize.timeOffsetMs;
    this.timeOffsetMs = typeof offset === 'number' && Number.isFinite(offset) ? offset : 0;
  }

  /** The event a gated NDJSON line held by the sort stands for (normalization is deterministic: the same one). */
  revive(line: string, held: NormalizedEvent): NormalizedEvent {
    const r = normalize({ kind: 'document', doc: JSON.parse(line) as Record<string, unknown>, origin: held.origin }, this.spec.normalize);
    if (!r.ok) throw new Error(`a held line no longer normalizes: ${r.reason}`);
    return { ...r.event, order: held.order! };
  }

  async run(source: InputSource, sink: SourceSink): Promise<SourceCounts> {
    const counts = emptyCounts();
    const skippedBefore = (this.lineFilter?.skipped ?? 0) + this.skippedRecords;
    // Per input: record times vs Sysmon UtcTime off by whole hours means a mislabelled clock (summary warning).
    const clock = new ClockCheck(source.path);
    if (source.piece) counts.piece = { lines: 0, overran: false, bulk: 0 };
    const options = counts.piece ? { ...this.readOptions, piece: counts.piece } : this.readOptions;
    try {
      for await (const item of readSource(source, options)) {
        const wait = sink.backlog?.();
        if (wait) await wait;
        if (item.kind === 'held') {
          counts.held++;
          this.keySummary.summarize(item.text, item.tag, this.summary, 0);
          sink.hold(item, this.summary);
        } else this.take(item, counts, sink, clock);
      }
    } catch (err) {
      counts.error = describeError(err);
    } finally {
      counts.skipped = (this.lineFilter?.skipped ?? 0) + this.skippedRecords - skippedBefore;
      if (clock.compared > 0) counts.clock = clock.tally();
    }
    return counts;
  }

  /**
   * Once every input is read (and every thread's second-stage keys are in `pruner.keys`): which held lines to
   * decode. The others cannot join any second-stage event, and count as skipped.
   */
  private heldTest(): (line: string) => boolean {
    // A line is held when it fits the first stage of rules with a held-line key only: it matters if it fits the
    // first stage of one of them and may carry one of that rule's second-stage keys.
    const tests = heldLineTests(this.pruner!.keys, this.lineKeys);
    const rules = this.rules.flatMap((rule, r) => {
      const mayJoin = tests[r];
      return mayJoin && mayJoin !== 'never' ? [{ words: firstStageWords(rule), mayJoin }] : [];
    });
    return (line) => rules.some((r) => r.mayJoin(line) && r.words(line)); // most lines fail the key test
  }

  /**
   * Once every input is read (and every thread's second-stage keys are in `pruner.keys`): decodes the held lines
   * `heldTest` lets through, as `run` would have when reading them, with their input order, into their source's
   * sink; the others count as skipped. Returns the count changes per source index (`decoded` among them).
   */
  async replayHeld(held: HeldLines, sinkOf: (source: number) => SourceSink): Promise<Map<number, SourceCounts>> {
    const counts = new Map<number, SourceCounts>();
    if (held.count === 0) return counts;
    const mayJoin = this.heldTest();
    const countsOf = (order: number) => {
      const i = sourceOfOrder(order);
      return counts.get(i) ?? counts.set(i, emptyCounts()).get(i)!;
    };
    // Lines not read back would fail `mayJoin` (its key test) anyway.
    const skip = (order: number) => countsOf(order).skipped++;
    for await (const { order, item } of held.entries(heldLineSelect(this.pruner!.keys, this.lineKeys), skip)) {
      const i = sourceOfOrder(order);
      const c = countsOf(order);
      if (!mayJoin(item.text)) {
        c.skipped++;
        continue;
      }
      c.decoded++;
      const sink = sinkOf(i);
      for (const decodedItem of readHeldLine(item)) this.take(decodedItem, c, sink, undefined, order);
    }
    return counts;
  }

  private take(item: Exclude<InputItem, HeldLine>, counts: SourceCounts, sink: SourceSink, clock: ClockCheck | undefined, order?: number): void {
    holdYoungGeneration();
    if (item.kind === 'problem') {
      sink.problem(item, counts.records);
      return;
    }
    counts.records++;
    let result: ReturnType<typeof normalize>;
    try {
      result = normalize(item, this.spec.normalize);
    } catch (err) {
      // A record normalization did not foresee: this record is lost, not the hunt.
      result = { ok: false, reason: `normalization failed: ${(err as Error).message}` };
    }
    if (!result.ok) {
      sink.notNormalized(item.origin, result.reason);
      return;
    }
    const event = result.event;
    counts.events++;
    clock?.observe(event.doc, this.timeOffsetMs);
    if (event.timestamp < this.spec.from || event.timestamp > this.spec.to) {
      counts.outsideRange++;
      return;
    }
    this.onNormalized?.(event);
    this.coverage?.observe(event);
    if (order !== undefined) event.order = order;
    // Untimed events go on: the runtime counts them with their place.
    const gate = this.pruner && Number.isFinite(event.timestamp) ? this.pruner.examine(event) : '';
    if (gate === false) counts.unused++;
    else if (gate && item.kind === 'document' && item.line !== undefined) sink.event(event, gate, item.line);
    else sink.event(event, gate || undefined);
  }
}

function describeError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return 'no such file or directory';
  if (e.code === 'EACCES') return 'permission denied';
  if (e.code === 'EISDIR') return 'is a directory';
  return e.message ?? String(err);
}

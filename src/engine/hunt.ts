// A hunt: inputs (files, directories, globs, stdin) → items → normalized events → time order → rules → alerts.
// Bad input never stops it: unreadable inputs, malformed records and events that cannot be normalized are
// counted with where they were, and everything else is still read. Each input goes through the source pipeline
// (source-pipeline.ts), in this thread or, with `workers`, in this thread and worker threads (hunt-workers.ts).
import { availableParallelism } from 'node:os';
import { bulkNoteMessage, expandInputs, type InputFormat, type InputOptions, type InputSource, type Origin } from '../formats/index.js';
import { ClockCheck, type NormalizeOptions, type NormalizedEvent } from '../normalize/index.js';
import type { LoadedRule } from '../rules/types.js';
import type { CoverageDetail, CoverageReport } from './coverage.js';
import { SORT_BUFFER_DEFAULTS } from './external-sort.js';
import { deliver, pipeSourcesInWorkers, type WorkerSetup } from './hunt-workers.js';
import { FilePieces, PIECE_BYTES } from './file-pieces.js';
import { collectGarbage, tightenHeapForMerge } from './heap-tuning.js';
import { HeldLines } from './held-lines.js';
import { RuleSession, type RunRulesOptions, type RunRulesResult } from './run-rules.js';
import { addKeys, gateKeeper, keyLists } from './sequence-pruning.js';
import { addCounts as addSourceCounts, emptyCounts, SOURCE_ORDER_SPAN, SourcePipeline, type SourceCounts, type SourceSink } from './source-pipeline.js';

/**
 * The runtime's options (ordering, sort bounds, context window, callbacks) plus the inputs. Differences from
 * `runRules`: ordering defaults to 'window' when an input is "-" (a stream), else 'sort'; `collect` defaults to
 * false (alerts stream through `onAlert`); `relevantOnly` defaults to true (use `onNormalized` to see every event).
 */
export interface HuntOptions extends RunRulesOptions {
  /** Files, directories (recursive), globs; "-" reads `stdin`. */
  inputs: string[];
  rules: readonly LoadedRule[];
  /** Only events at or after / at or before these times (epoch ms) reach the rules. */
  from?: number;
  to?: number;
  /** Clock corrections and other normalization options (e.g. timeOffsetMs, timezone). */
  normalize?: NormalizeOptions;
  /** Force an input format instead of sniffing. */
  inputFormat?: InputFormat;
  /** Further reader options passed to every `readSource` (functions: inputs are then read in this thread). */
  inputOptions?: InputOptions;
  /**
   * Skip, undecoded, NDJSON lines and EVTX records no rule and no enrichment can use (`PipelineSpec.prefilter`;
   * never changes an alert, but what is skipped is not checked for malformation nor seen by coverage). Default false.
   */
  prefilter?: boolean;
  /**
   * With `prefilter`, when sorting: hold NDJSON lines that can only start a sequence undecoded, and decode them
   * once everything is read only if their join key came (`PipelineSpec.hold`). Never changes an alert. Default true.
   */
  hold?: boolean;
  /** Count coverage for these rules over every normalized event (see coverage.ts): `HuntResult.coverage`. */
  coverageRules?: readonly LoadedRule[];
  /** Exact counts, or only what the verdicts need (cheaper; coverage.ts `CoverageDetail`). Default 'counts'. */
  coverageDetail?: CoverageDetail;
  /**
   * Read up to this many inputs at once, in this thread and `workers - 1` worker threads (0 or 1: all in this
   * thread; 'auto': one per core when there are several inputs). stdin, `onNormalized` and function-valued
   * `inputOptions` keep inputs in this thread.
   */
  workers?: number | 'auto';
  /** The stream "-" reads (default process.stdin). */
  stdin?: NodeJS.ReadableStream;
  /**
   * Called for every normalized event within the time bounds, in input order, before ordering and before
   * events no rule can use are left out (`relevantOnly`): for order-free tallies such as coverage.
   */
  onNormalized?: (event: NormalizedEvent) => void;
  onProgress?: (progress: HuntProgress) => void;
  /** Minimum time between progress calls (default 250 ms). */
  progressIntervalMs?: number;
  /** How many examples of each kind of problem are kept (default 10). */
  sampleLimit?: number;
  /**
   * With worker threads: UTF-8 NDJSON files of at least twice this many bytes are read in pieces of about this
   * size, shared by the threads (file-pieces.ts; default PIECE_BYTES, 0: files whole). Never changes a result.
   */
  pieceBytes?: number;
}

export interface HuntProgress {
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
  currentFile?: string;
  /** Records read and normalized events so far. */
  records: number;
  events: number;
  /** Events that have reached the rules (after time ordering; with files this trails reading). */
  checked: number;
  alerts: number;
  elapsedMs: number;
}

export interface ProblemSample {
  origin: Origin;
  message: string;
}

/** A kind of problem: how many, per input file, and the first few with their place. */
export interface ProblemTally {
  count: number;
  byFile: Record<string, number>;
  samples: ProblemSample[];
}

export interface SourceReport {
  path: string;
  size?: number;
  /** Items read (records, lines, documents). */
  records: number;
  /** Normalized events from it (before the time bounds). */
  events: number;
}

export interface HuntResult {
  sources: SourceReport[];
  /** Inputs that could not be read at all (missing, unreadable, nothing matched): exit status 2. */
  inputErrors: Array<{ path: string; message: string }>;
  records: number;
  /** Events outside --from/--to. */
  outsideRange: number;
  /** Records that could not be read (malformed lines, damaged EVTX records). */
  malformed: ProblemTally;
  /** Read with a warning (e.g. bad checksum, still read). */
  warnings: ProblemTally;
  /** Informational (e.g. archive members that are not inputs). */
  notes: ProblemTally;
  /** Records read but not turned into events, with the reason. */
  notNormalized: ProblemTally;
  /** Clock warnings from normalization (record times vs Sysmon UtcTime off by whole hours). */
  clockWarnings: string[];
  /** NDJSON lines and EVTX records the pre-filter passed over (`prefilter`), held lines never decoded included. */
  skipped: number;
  /** NDJSON lines held undecoded (`hold`), and how many of them were decoded in the end (the rest are skipped). */
  held: { lines: number; decoded: number };
  /** Coverage of `coverageRules`, when asked for. */
  coverage?: CoverageReport;
  /** Worker threads used (0: everything in this thread). */
  workers: number;
  /** Pieces big NDJSON files were read in, by several threads at once (0: every file whole). */
  pieces: number;
  /** The rules' side: events that reached them, late events, alerts per rule. */
  run: RunRulesResult;
  durationMs: number;
}

/**
 * Counts problems as sources (files, or pieces of files: `FilePieces`) report them, which with worker threads is in
 * no fixed order; the samples kept are the first `limit` in input order (up to `limit` per source are held, then
 * sorted by source), so the summary is the same however the inputs were read.
 */
class Tally<S extends { origin: Origin; message: string }> {
  private readonly held: Array<{ sample: S; source: number; seq: number }> = [];
  /** Per source: how many, and the file they are in. */
  private readonly counts = new Map<number, { count: number; file: string }>();
  private seq = 0;

  /** `readerProblems`: messages are the readers' own, which may name lines (`FilePieces.placeProblem`). */
  constructor(
    private readonly limit: number,
    private readonly readerProblems = false,
  ) {}

  add(sample: S, source: number): void {
    const c = this.counts.get(source) ?? this.counts.set(source, { count: 0, file: sample.origin.file }).get(source)!;
    if (c.count++ >= this.limit) return;
    this.held.push({ sample, source, seq: this.seq++ });
  }

  /** The count, per file, and the first samples, of the sources `pieces` uses, at their place in the file. */
  finish(pieces: FilePieces): { count: number; byFile: Record<string, number>; samples: S[] } {
    const byFile: Record<string, number> = {};
    let count = 0;
    for (const [source, c] of [...this.counts].sort((a, b) => a[0] - b[0])) {
      if (!pieces.used(source)) continue;
      count += c.count;
      byFile[c.file] = (byFile[c.file] ?? 0) + c.count;
    }
    const kept = this.held.filter((h) => pieces.used(h.source)).sort((a, b) => a.source - b.source || a.seq - b.seq);
    const samples = kept.slice(0, this.limit).map((h) => {
      if (this.readerProblems) pieces.placeProblem(h.sample, h.source);
      else pieces.placeOrigin(h.sample.origin, h.source);
      return h.sample;
    });
    return { count, byFile, samples };
  }
}

/** True when a problem concerns the whole input (no record, line, offset or index): it could not be read. */
function wholeInput(origin: Origin): boolean {
  return origin.line === undefined && origin.record === undefined && origin.offset === undefined && origin.index === undefined && origin.member === undefined;
}

export async function hunt(options: HuntOptions): Promise<HuntResult> {
  const started = Date.now();
  const limit = options.sampleLimit ?? 10;
  const inputErrors: HuntResult['inputErrors'] = [];
  const sources: InputSource[] = [];
  const seenPaths = new Set<string>();
  // One path at a time, so a bad path is reported and the others still run.
  for (const path of options.inputs) {
    try {
      const expanded = await expandInputs([path]);
      if (expanded.length === 0) inputErrors.push({ path, message: 'no input matched' });
      for (const s of expanded) {
        if (seenPaths.has(s.path)) continue;
        seenPaths.add(s.path);
        sources.push(s);
      }
    } catch (err) {
      inputErrors.push({ path, message: (err as Error).message });
    }
  }

  const streaming = sources.some((s) => s.path === '-');
  const ordering = options.ordering ?? (streaming ? 'window' : 'sort');
  const cores = availableParallelism();
  const inThreadOnly = options.onNormalized !== undefined || options.inputOptions?.filter !== undefined || options.inputOptions?.lineFilter !== undefined;
  // Only when sorting: the order events reach the rules in is then rebuilt from their input order (`order`).
  const mayShare = !inThreadOnly && ordering === 'sort' && (options.workers === 'auto' ? cores > 1 : (options.workers ?? 0) > 1);
  // Big NDJSON files in pieces that threads share. Not with coverage: its tallies are sums (a piece that read on past
  // its end would count the next pieces' events twice), and kept per piece they took the 1 GB bench file with
  // --prefilter off from 167 MB to 387 MB of peak RSS on two cores.
  const pieceBytes = options.pieceBytes ?? PIECE_BYTES;
  const pieces = mayShare && pieceBytes > 0 && !options.coverageRules ? await FilePieces.cut(sources, options.inputFormat, pieceBytes) : FilePieces.whole(sources);
  const units = pieces.units;
  const fileUnits = units.filter((s) => s.path !== '-').length;
  // One core (or one input): worker threads would only add their start-up and messaging to the same work.
  const wanted = options.workers === 'auto' ? (fileUnits > 1 && cores > 1 ? Math.min(cores, fileUnits) : 0) : (options.workers ?? 0);
  const workers = mayShare && fileUnits > 0 ? wanted : 0;
  // `workers` pipelines at once: this thread's and `workers - 1` worker threads'.
  const parallel = workers > 1;
  // Their sort buffers together hold what one thread's would, so that memory does not grow with their number
  // beyond the worker threads' own heaps.
  const sortShare = parallel
    ? {
        maxBufferedEvents: Math.ceil((options.sort?.maxBufferedEvents ?? SORT_BUFFER_DEFAULTS.events) / workers),
        maxBufferedBytes: Math.ceil((options.sort?.maxBufferedBytes ?? SORT_BUFFER_DEFAULTS.bytes) / workers),
      }
    : undefined;
  const relevantOnly = (options.relevantOnly ?? true) && ordering === 'sort';
  // Lines held undecoded until everything is read (source-pipeline.ts `hold`) come back later: the sort then
  // places every event by the input order it is given here, as with workers.
  const hold = (options.hold ?? true) && options.prefilter === true && relevantOnly && !options.coverageRules && !options.onNormalized;
  const ordered = parallel || hold;
  // Events that reached the rules: counted here so the progress display keeps moving while sorted events are
  // merged back after reading (that phase can be long on GBs).
  let checked = 0;
  let filesDone = 0;
  const userOnEvent = options.onEvent;
  const onEvent = (event: NormalizedEvent) => {
    userOnEvent?.(event);
    if ((++checked & 1023) === 0 && options.onProgress) tick();
  };
  const session = new RuleSession(options.rules, {
    ordering,
    ...(options.latenessMs !== undefined && { latenessMs: options.latenessMs }),
    ...((options.sort || ordered) && { sort: { ...options.sort, ...sortShare, orderGiven: ordered } }),
    ...(options.contextWindowMs !== undefined && { contextWindowMs: options.contextWindowMs }),
    ...(options.postProcess && { postProcess: options.postProcess }),
    ...(options.onAlert && { onAlert: options.onAlert }),
    onEvent,
    collect: options.collect ?? false,
    // The source pipeline leaves unusable events out before they get here.
    relevantOnly: false,
  });

  // Tallied per unit read (a file, or a piece of one), and put together in input order at the end.
  const malformed = new Tally<ProblemSample>(limit, true);
  const warnings = new Tally<ProblemSample>(limit, true);
  const notes = new Tally<ProblemSample>(limit, true);
  const notNormalized = new Tally<ProblemSample>(limit);
  const untimed = new Tally<RunRulesResult['untimed']['samples'][number]>(limit);
  const unitCounts = units.map(() => emptyCounts());
  // Per file, in input order at the end (sources may finish in any order with worker threads).
  const sourceErrors: Array<Array<{ path: string; message: string }>> = sources.map(() => []);
  const fileError = (i: number, message: string) => {
    const errors = sourceErrors[pieces.fileOf[i]!]!;
    // The pieces of a file that cannot be read all say so.
    if (!errors.some((e) => e.message === message)) errors.push({ path: units[i]!.path, message });
  };
  const reports: SourceReport[] = sources.map((s) => ({ path: s.path, ...(s.size !== undefined && { size: s.size }), records: 0, events: 0 }));
  const unitsLeft = sources.map(() => 0);
  for (const f of pieces.fileOf) unitsLeft[f]!++;
  const bytesTotal = sources.reduce((n, s) => n + (s.size ?? 0), 0);
  const interval = options.progressIntervalMs ?? 250;
  // For progress: the final counts are put together from `unitCounts`.
  let records = 0;
  let unusedSoFar = 0;
  let bytesDone = 0;
  let lastProgress = 0;
  let normalizedEvents = 0;
  let pushed = 0;

  let currentFile: string | undefined;
  const progress = () => {
    if (!options.onProgress) return;
    lastProgress = Date.now();
    options.onProgress({
      filesDone,
      filesTotal: sources.length,
      bytesDone,
      bytesTotal,
      ...(currentFile !== undefined && { currentFile }),
      // Counts arrive when a source is done; events pushed so far keep the display moving meanwhile.
      records: Math.max(records, pushed),
      events: Math.max(normalizedEvents, pushed),
      checked: checked + unusedSoFar + session.unusedCount,
      alerts: session.alertCount,
      elapsedMs: lastProgress - started,
    });
  };
  const tick = () => {
    if (Date.now() - lastProgress >= interval) progress();
  };

  // NDJSON lines held undecoded by this thread's pipeline (workers decode their own).
  const held = new HeldLines(() => session.sharedRunDir(), 'held.txt');
  // Outputs of unit i: problems tallied, events on to the rules. Counts arrive with `done`.
  const sinks = new Map<number, SourceSink>();
  const sinkFor = (i: number): SourceSink => {
    currentFile = units[i]!.path;
    progress();
    let seq = 0;
    const sink: SourceSink = {
      problem: (item, recordsBefore) => {
        const sample = { origin: item.origin, message: item.message };
        if (item.severity === 'note') notes.add(sample, i);
        else if (item.severity === 'warning') warnings.add(sample, i);
        else if (wholeInput(item.origin) && recordsBefore === 0) fileError(i, item.message);
        else malformed.add(sample, i);
      },
      notNormalized: (origin, reason) => notNormalized.add({ origin, message: reason }, i),
      event: (event, gate, line) => {
        // Cannot be placed in time: counted with its place, never ordered with NaN (which would corrupt the sort).
        if (!Number.isFinite(event.timestamp)) return untimed.add({ origin: event.origin, host: event.host, message: 'no usable timestamp' }, i);
        // Input order, as the workers give it (a held line's event already has the order of its line).
        if (ordered) event.order ??= i * SOURCE_ORDER_SPAN + seq++;
        session.push(event, gate, line);
        if ((++pushed & 1023) === 0 && options.onProgress) tick();
      },
      hold: (item, summary) => held.add(i * SOURCE_ORDER_SPAN + seq++, item, summary),
    };
    sinks.set(i, sink);
    return sink;
  };
  const addCounts = (i: number, c: SourceCounts) => {
    addSourceCounts(unitCounts[i]!, c);
    unusedSoFar += c.unused;
    records += c.records;
    normalizedEvents += c.events;
  };
  const done = (i: number, c: SourceCounts) => {
    addCounts(i, c);
    if (c.error) fileError(i, c.error);
    if (c.clock) unitCounts[i]!.clock = c.clock;
    pieces.done(i, c.piece);
    bytesDone += units[i]!.size ?? 0;
    if (--unitsLeft[pieces.fileOf[i]!]! === 0) filesDone++;
  };
  // Everything is read, and every second-stage key is known: held lines that may carry one are decoded now. What
  // reading left in the heap is dead: it is collected first, before the merge adds to it (so do workers).
  const replayHeld = async () => {
    collectGarbage();
    for (const [i, c] of await local.replayHeld(held, (i) => sinks.get(i) ?? sinkFor(i))) addCounts(i, c);
  };

  const spec = {
    normalize: options.normalize ?? {},
    from: options.from ?? -Infinity,
    to: options.to ?? Infinity,
    ...(options.inputFormat && { format: options.inputFormat }),
    prefilter: options.prefilter === true,
    // Only when sorting: on a live stream every event moves the host's time on (see RunRulesOptions.relevantOnly).
    relevantOnly,
    hold,
    ...(options.coverageDetail && { coverageDetail: options.coverageDetail }),
  };
  const extra: InputOptions = { ...options.inputOptions, stdin: options.stdin ?? process.stdin };
  const local = new SourcePipeline(options.rules, spec, options.coverageRules, extra, options.onNormalized);
  const coverage = local.coverage;
  const runLocal = async (i: number) => {
    done(i, await local.run(units[i]!, sinkFor(i)));
  };
  try {
    if (parallel) {
      const setup: WorkerSetup = {
        rules: options.rules.map((r) => r.rule),
        ...(options.coverageRules && { coverageRules: options.coverageRules.map((r) => r.rule) }),
        spec,
        runDir: session.sharedRunDir(),
        sort: sortShare!,
      };
      await pipeSourcesInWorkers(units, setup, workers, {
        sink: sinkFor,
        done,
        coverage: (s) => coverage?.absorb(s),
        local: runLocal,
        keys: (keys) => {
          if (local.pruner) addKeys(local.pruner.keys, keys);
        },
        allKeys: () => keyLists(local.pruner?.keys ?? []),
        replayLocal: replayHeld,
        runs: (paths, stats, replayed) => {
          session.adoptSortedRuns(paths, stats);
          for (const [i, out] of replayed.outputs) deliver(out, sinks.get(i) ?? sinkFor(i));
          for (const [i, c] of replayed.counts) addCounts(i, c);
        },
        lost: (lost, message) => {
          for (const i of lost) fileError(i, `${message}: its events are lost`);
        },
      });
    } else {
      for (let i = 0; i < units.length; i++) await runLocal(i);
      await replayHeld();
    }
    currentFile = undefined;
    progress();
  } catch (err) {
    session.abandon();
    throw err;
  }
  tightenHeapForMerge();
  // Events that could only start a sequence whose next stage never came are left out.
  // Pieces of files are put back as reading the whole file would give them (file-pieces.ts).
  const run = await session.finish(local.pruner && gateKeeper(local.pruner.keys), (line, held) => local.revive(line, held), pieces.split ? pieces.placement : undefined);
  // What the units read, put together per file (the units a file's reading does not use left out).
  const total = emptyCounts();
  const clocks = sources.map((s) => new ClockCheck(s.path));
  unitCounts.forEach((c, i) => {
    if (!pieces.used(i)) return;
    const f = pieces.fileOf[i]!;
    reports[f]!.records += c.records;
    reports[f]!.events += c.events;
    addSourceCounts(total, c);
    if (c.clock) clocks[f]!.absorb(c.clock);
  });
  run.unused += total.unused;
  for (const { unit, count } of pieces.bulkCounts()) notes.add({ origin: { file: units[unit]!.path }, message: bulkNoteMessage(count) }, unit);
  const { count: untimedCount, samples: untimedSamples } = untimed.finish(pieces);
  run.untimed = { count: untimedCount, samples: untimedSamples };
  inputErrors.push(...sourceErrors.flat());
  const clockWarnings = clocks.flatMap((c) => c.result()?.message ?? []);
  progress();
  return {
    sources: reports,
    inputErrors,
    records: total.records,
    outsideRange: total.outsideRange,
    malformed: malformed.finish(pieces),
    warnings: warnings.finish(pieces),
    notes: notes.finish(pieces),
    notNormalized: notNormalized.finish(pieces),
    clockWarnings,
    skipped: total.skipped,
    held: { lines: total.held, decoded: total.decoded },
    ...(coverage && { coverage: coverage.report() }),
    workers: parallel ? workers : 0,
    pieces: units.filter((u) => u.piece).length,
    run,
    durationMs: Date.now() - started,
  };
}

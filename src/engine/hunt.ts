// A hunt: inputs (files, directories, globs, stdin) → items → normalized events → time order → rules → alerts.
// Bad input never stops it: unreadable inputs, malformed records and events that cannot be normalized are
// counted with where they were, and everything else is still read.
import { expandInputs, readSource, type InputFormat, type InputOptions, type InputSource, type Origin } from '../formats/index.js';
import { ClockCheck, normalize, type NormalizeOptions, type NormalizedEvent } from '../normalize/index.js';
import type { LoadedRule } from '../rules/types.js';
import { RuleSession, type RunRulesOptions, type RunRulesResult } from './run-rules.js';

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
  /** Further reader options passed to every `readSource` (e.g. an EVTX record filter, a line pre-filter). */
  inputOptions?: InputOptions;
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
  /** The rules' side: events that reached them, late events, alerts per rule. */
  run: RunRulesResult;
  durationMs: number;
}

function tally(): ProblemTally {
  return { count: 0, byFile: {}, samples: [] };
}

function count(t: ProblemTally, origin: Origin, message: string, limit: number): void {
  t.count++;
  t.byFile[origin.file] = (t.byFile[origin.file] ?? 0) + 1;
  if (t.samples.length < limit) t.samples.push({ origin, message });
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
    ordering: options.ordering ?? (streaming ? 'window' : 'sort'),
    ...(options.latenessMs !== undefined && { latenessMs: options.latenessMs }),
    ...(options.sort && { sort: options.sort }),
    ...(options.contextWindowMs !== undefined && { contextWindowMs: options.contextWindowMs }),
    ...(options.postProcess && { postProcess: options.postProcess }),
    ...(options.onAlert && { onAlert: options.onAlert }),
    onEvent,
    collect: options.collect ?? false,
    relevantOnly: options.relevantOnly ?? true,
  });
  const onNormalized = options.onNormalized;

  const malformed = tally();
  const warnings = tally();
  const notes = tally();
  const notNormalized = tally();
  const reports: SourceReport[] = [];
  const clockWarnings: string[] = [];
  const normalizeOptions = options.normalize ?? {};
  const timeOffsetMs = typeof normalizeOptions.timeOffsetMs === 'number' ? normalizeOptions.timeOffsetMs : 0;
  const from = options.from ?? -Infinity;
  const to = options.to ?? Infinity;
  const bytesTotal = sources.reduce((n, s) => n + (s.size ?? 0), 0);
  const interval = options.progressIntervalMs ?? 250;
  let records = 0;
  let outsideRange = 0;
  let bytesDone = 0;
  let lastProgress = 0;
  let normalizedEvents = 0;

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
      records,
      events: normalizedEvents,
      checked: checked + session.unusedCount,
      alerts: session.alertCount,
      elapsedMs: lastProgress - started,
    });
  };
  const tick = () => {
    if (Date.now() - lastProgress >= interval) progress();
  };

  const readOptions: InputOptions = { ...options.inputOptions, ...(options.inputFormat && { format: options.inputFormat }), stdin: options.stdin ?? process.stdin };
  try {
    for (let i = 0; i < sources.length; i++) {
      const source = sources[i]!;
      const report: SourceReport = { path: source.path, ...(source.size !== undefined && { size: source.size }), records: 0, events: 0 };
      reports.push(report);
      // Per input: record times vs Sysmon UtcTime off by whole hours means a mislabelled clock (summary warning).
      const clock = new ClockCheck(source.path);
      currentFile = source.path;
      progress();
      try {
        for await (const item of readSource(source, readOptions)) {
          if (item.kind === 'problem') {
            if (item.severity === 'note') count(notes, item.origin, item.message, limit);
            else if (item.severity === 'warning') count(warnings, item.origin, item.message, limit);
            else if (wholeInput(item.origin) && report.records === 0) inputErrors.push({ path: source.path, message: item.message });
            else count(malformed, item.origin, item.message, limit);
            continue;
          }
          records++;
          report.records++;
          let result: ReturnType<typeof normalize>;
          try {
            result = normalize(item, normalizeOptions);
          } catch (err) {
            // A record normalization did not foresee: this record is lost, not the hunt.
            result = { ok: false, reason: `normalization failed: ${(err as Error).message}` };
          }
          if (!result.ok) {
            count(notNormalized, item.origin, result.reason, limit);
          } else {
            const event = result.event;
            report.events++;
            normalizedEvents++;
            clock.observe(event.doc, timeOffsetMs);
            if (event.timestamp < from || event.timestamp > to) outsideRange++;
            else {
              onNormalized?.(event);
              session.push(event);
            }
          }
          if ((records & 1023) === 0 && options.onProgress) tick();
        }
      } catch (err) {
        // A reader that throws (cannot open, I/O error) loses this input only.
        inputErrors.push({ path: source.path, message: describeError(err) });
      }
      bytesDone += source.size ?? 0;
      filesDone = i + 1;
      const skew = clock.result();
      if (skew) clockWarnings.push(skew.message);
    }
    currentFile = undefined;
    progress();
  } catch (err) {
    session.abandon();
    throw err;
  }
  const run = await session.finish();
  progress();
  return {
    sources: reports,
    inputErrors,
    records,
    outsideRange,
    malformed,
    warnings,
    notes,
    notNormalized,
    clockWarnings,
    run,
    durationMs: Date.now() - started,
  };
}

function describeError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return 'no such file or directory';
  if (e.code === 'EACCES') return 'permission denied';
  if (e.code === 'EISDIR') return 'is a directory';
  return e.message ?? String(err);
}

// The detection runtime on events already normalized: order them, feed the rules, assemble alerts.
// `hunt` (files and streams) and `seqhunt validate` (in-memory scenarios) both run through here.
import type { Match } from '../eql/api.js';
import type { NormalizedEvent } from '../normalize/types.js';
import type { LoadedRule, Rule } from '../rules/types.js';
import type { Alert } from '../alerts/types.js';
import type { Origin } from '../formats/types.js';
import { holdYoungGeneration } from './heap-tuning.js';
import { ExternalSorter, type ExternalSortOptions, type Revive, type SortStats } from './external-sort.js';
import { ReorderWindow, type LateEvent } from './reorder-window.js';
import { RuleDispatcher } from './rule-dispatch.js';
import { usableBy } from './sequence-pruning.js';
import { AlertAssembler, type AlertAssemblerOptions } from '../alerts/index.js';

/**
 * How events reach the rules in time order:
 * - 'sort' (default): all of them sorted by (@timestamp, input order), spilling to disk past a memory bound:
 *   nothing is ever late. For files and in-memory events.
 * - 'window': a bounded reorder window per host (`latenessMs`), for live streams; later events are counted.
 * - 'sorted': the caller guarantees the order; events go straight through.
 */
export type Ordering = 'sort' | 'window' | 'sorted';

/**
 * Post-processing of every alert before it is written (the tuning integration point): adjust risk, and mark
 * suppression by setting `suppressed_by`. Returns the alert to write (the same object or another).
 */
export type AlertPostProcessor = (alert: Alert, rule: Rule) => Alert;

export interface RunRulesOptions {
  ordering?: Ordering;
  /** Reorder window for 'window' ordering, in ms (default 30 s). */
  latenessMs?: number;
  /** Memory bound and temp dir of the external sort ('sort' ordering). */
  sort?: ExternalSortOptions;
  /** Passed to the alert assembler: how long after a match its surrounding context is collected. */
  contextWindowMs?: number;
  /** Passed to the alert assembler: TaskCache writes kept in memory before the rest wait on disk (default 1,024). */
  taskCacheInMemory?: number;
  postProcess?: AlertPostProcessor;
  /** Called for every alert as it is completed (suppressed ones too, with `suppressed_by` set). */
  onAlert?: (alert: Alert, rule: Rule) => void;
  /** Called for every event in the order the rules see it (e.g. coverage tracking). */
  onEvent?: (event: NormalizedEvent) => void;
  /** Keep alerts in the result (default true; a hunt over GBs streams them through `onAlert` instead). */
  collect?: boolean;
  /**
   * With 'sort' ordering, leave out before sorting the events no rule stage (`CompiledQuery.mayUse`) and no
   * enrichment (`AlertAssembler.usesEvent`) can use: they change no alert, and on big inputs most events are such
   * (`onEvent` then sees only the events kept). Ignored for the other orderings: on a live stream every event
   * moves the host's time on, which releases held events and waiting alerts without delay. Default false.
   */
  relevantOnly?: boolean;
}

export interface RuleRunStats {
  ruleId: string;
  name: string;
  severity: string;
  /** Events the rule's matcher was fed (only its stages' categories). */
  events: number;
  matches: number;
  alerts: number;
  suppressed: number;
}

export interface RunRulesResult {
  /** Alerts not suppressed, in completion order (empty when `collect` is false). */
  alerts: Alert[];
  /** Suppressed alerts, each with `suppressed_by` (empty when `collect` is false). */
  suppressed: Alert[];
  /** Events that reached the rules. */
  events: number;
  /** Events left out before ordering because no rule and no enrichment could use them (`relevantOnly`). */
  unused: number;
  /** Events too late for the reorder window ('window' ordering): counted, with the first few as examples. */
  late: { count: number; samples: LateEvent[] };
  /** Events without a usable timestamp (not checked). */
  untimed: EventFailures;
  /** Events whose processing failed inside the runtime (rule evaluation, enrichment): counted and skipped. */
  errors: EventFailures;
  sort?: SortStats;
  perRule: RuleRunStats[];
  /** Matches dropped because the same events were already reported by the rule (e.g. a file read twice). */
  duplicates: number;
}

/** Where sorted events come from, when inputs were read in pieces (src/engine/file-pieces.ts). */
export interface Placement {
  /** Whether events of this input order are used. */
  used(order: number): boolean;
  /** Puts an event at its place in its input (its line number). */
  place(event: NormalizedEvent): void;
}

export interface EventFailures {
  count: number;
  /** The first few, with where the event was read. */
  samples: Array<{ origin: Origin; host: string; message: string }>;
}

/** Runs `rules` over `events` (any order unless `ordering: 'sorted'`). */
export async function runRules(
  rules: readonly LoadedRule[],
  events: AsyncIterable<NormalizedEvent> | Iterable<NormalizedEvent>,
  options: RunRulesOptions = {},
): Promise<RunRulesResult> {
  const session = new RuleSession(rules, options);
  for await (const event of events) session.push(event);
  return session.finish();
}

/**
 * The same runtime, pushed one event at a time (the hunt reads, normalizes and filters, then pushes here).
 * `finish()` must be called once at the end; it drains the ordering stage and the alert assembler.
 */
export class RuleSession {
  private readonly sorter: ExternalSorter | undefined;
  private readonly window: ReorderWindow | undefined;
  private readonly dispatcher: RuleDispatcher;
  private readonly stats: RuleRunStats[];
  private readonly statsByRule = new Map<Rule, RuleRunStats>();
  private readonly rulesById = new Map<string, Rule>();
  private readonly assembler: AlertAssembler;
  private readonly alerts: Alert[] = [];
  private readonly suppressed: Alert[] = [];
  private pendingMatches = 0;
  private readonly untimed: EventFailures = { count: 0, samples: [] };
  private readonly errors: EventFailures = { count: 0, samples: [] };
  private events = 0;
  private unused = 0;
  private readonly collect: boolean;
  private readonly usable: ((event: NormalizedEvent) => boolean) | undefined;
  /** Alerts completed so far (for progress display). */
  alertCount = 0;

  /** Events left out so far as unusable (`relevantOnly`), for progress display. */
  get unusedCount(): number {
    return this.unused;
  }

  constructor(rules: readonly LoadedRule[], private readonly options: RunRulesOptions = {}) {
    const ordering = options.ordering ?? 'sort';
    this.collect = options.collect ?? true;
    this.usable = options.relevantOnly && ordering === 'sort' ? usableBy(rules) : undefined;
    const assembler: AlertAssemblerOptions = {};
    if (options.contextWindowMs !== undefined) assembler.contextWindowMs = options.contextWindowMs;
    if (options.taskCacheInMemory !== undefined) assembler.taskCacheInMemory = options.taskCacheInMemory;
    // Context kept on disk goes where the user sent the sort's runs.
    if (options.sort?.tempDir !== undefined) assembler.tempDir = options.sort.tempDir;
    this.assembler = new AlertAssembler(assembler);
    this.stats = rules.map((r) => ({ ruleId: r.rule.ruleId, name: r.rule.name, severity: r.rule.severity, events: 0, matches: 0, alerts: 0, suppressed: 0 }));
    rules.forEach((r, i) => {
      this.statsByRule.set(r.rule, this.stats[i]!);
      this.rulesById.set(r.rule.ruleId, r.rule);
    });
    this.dispatcher = new RuleDispatcher(rules, (loaded, match) => this.onMatch(loaded, match), { partitionByHost: ordering === 'window' });
    if (ordering === 'sort') this.sorter = new ExternalSorter(options.sort);
    else if (ordering === 'window') this.window = new ReorderWindow({ latenessMs: options.latenessMs ?? 30_000 }, (e) => this.process(e));
  }

  /**
   * `gate`: with 'sort' ordering, a condition for the event to reach the rules, decided by `finish`
   * (sequence-pruning.ts); `line`: the NDJSON line it was read from, held instead of it (see `finish`'s `revive`).
   */
  push(event: NormalizedEvent, gate?: string, line?: string): void {
    if (!Number.isFinite(event.timestamp)) {
      // Cannot be placed in time: counted, never ordered with NaN (which would corrupt the sort).
      this.failed(this.untimed, event, 'no usable timestamp');
      return;
    }
    if (this.usable && !this.usable(event)) {
      this.unused++;
      return;
    }
    if (this.sorter) this.sorter.add(event, gate, line);
    else if (this.window) this.window.push(event);
    else this.process(event);
  }

  /**
   * Where sorted runs made elsewhere (worker threads' sorters) are to be written, to be merged with this
   * session's events by `adoptSortedRuns` ('sort' ordering only).
   */
  sharedRunDir(): string {
    if (!this.sorter) throw new Error('sorted runs can only be adopted with sort ordering');
    return this.sorter.sharedRunDir();
  }

  adoptSortedRuns(paths: readonly string[], stats: SortStats): void {
    if (!this.sorter) throw new Error('sorted runs can only be adopted with sort ordering');
    this.sorter.adoptRuns(paths, stats);
  }

  /** Drops temp files without running the rest (on an abort). */
  abandon(): void {
    this.sorter?.cleanup();
  }

  /**
   * `keep`: which gated events reach the rules (see `push`); those it rejects are counted as unused. `revive`: the
   * event a held line stands for. `placement`: which sorted events are used, by input order, and their place in
   * their input (pieces of a file, src/engine/file-pieces.ts).
   */
  async finish(keep?: (gate: string) => boolean, revive?: Revive, placement?: Placement): Promise<RunRulesResult> {
    if (this.sorter) {
      for await (const event of this.sorter.sorted(keep, revive, placement && ((order) => placement.used(order)))) {
        holdYoungGeneration();
        placement?.place(event);
        this.process(event);
      }
      this.unused += this.sorter.dropped;
    } else if (this.window) {
      this.window.flush();
    }
    this.dispatcher.flush();
    this.emit(this.assembler.finish());
    for (const { rule, counters } of this.dispatcher.counters()) {
      const s = this.statsByRule.get(rule.rule)!;
      s.events = counters.events;
      s.matches = counters.matches;
    }
    return {
      alerts: this.alerts,
      suppressed: this.suppressed,
      events: this.events,
      unused: this.unused,
      late: { count: this.window?.lateCount ?? 0, samples: this.window?.lateSamples ?? [] },
      untimed: this.untimed,
      errors: this.errors,
      ...(this.sorter && { sort: this.sorter.stats }),
      perRule: this.stats,
      duplicates: this.assembler.duplicateCount,
    };
  }

  private process(event: NormalizedEvent): void {
    this.events++;
    // A value no stage or enrichment foresaw must cost that event, not the hunt: counted with its place.
    try {
      this.options.onEvent?.(event);
      this.assembler.observe(event);
      this.dispatcher.push(event);
      if (this.pendingMatches > 0) this.emit(this.assembler.ready(event.host, event.timestamp));
    } catch (err) {
      // SEQHUNT_DEBUG=1 keeps the internal stack for a bug report.
      this.failed(this.errors, event, (process.env.SEQHUNT_DEBUG ? (err as Error).stack : (err as Error).message) ?? String(err));
    }
  }

  private failed(into: EventFailures, event: NormalizedEvent, message: string): void {
    into.count++;
    if (into.samples.length < 10) into.samples.push({ origin: event.origin, host: event.host, message });
  }

  private onMatch(loaded: LoadedRule, match: Match<NormalizedEvent>): void {
    this.pendingMatches++;
    this.assembler.addMatch(loaded.rule, match);
  }

  private emit(alerts: Alert[]): void {
    for (let alert of alerts) {
      this.pendingMatches = Math.max(0, this.pendingMatches - 1);
      const rule = this.rulesById.get(alert['kibana.alert.rule.rule_id']);
      if (!rule) continue; // cannot happen: the assembler only builds alerts for rules we gave it
      if (this.options.postProcess) alert = this.options.postProcess(alert, rule);
      const stats = this.statsByRule.get(rule)!;
      const isSuppressed = (alert.suppressed_by?.length ?? 0) > 0;
      if (isSuppressed) stats.suppressed++;
      else {
        stats.alerts++;
        this.alertCount++;
      }
      if (this.collect) (isSuppressed ? this.suppressed : this.alerts).push(alert);
      this.options.onAlert?.(alert, rule);
    }
  }
}

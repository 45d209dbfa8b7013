// Feeds each event to the matchers of the rules that can use it, and turns their matches back into
// normalized events. A rule only sees events of its stages' categories (`CompiledQuery.stages[].category`;
// "any" sees everything), so a rule pack costs what its categories cost, not rules × events.
import type { Match, Matcher } from '../eql/api.js';
import type { NormalizedEvent } from '../normalize/types.js';
import type { LoadedRule } from '../rules/types.js';
import { fieldGetter, type FieldGetter } from './field-getter.js';

type Doc = Record<string, unknown>;

export interface DispatchOptions {
  /**
   * One matcher per host instead of one per rule. Needed when events are in time order per host but not
   * globally (the stream reorder window); sequences then never span hosts.
   */
  partitionByHost?: boolean;
}

export interface RuleCounters {
  /** Events fed to the rule's matcher. */
  events: number;
  matches: number;
}

export type MatchHandler = (rule: LoadedRule, match: Match<NormalizedEvent>) => void;

interface Runner {
  loaded: LoadedRule;
  counters: RuleCounters;
  /** Sequence number of the last event pushed, so an event in two of its categories is pushed once. */
  lastSeq: number;
  global: Matcher<Doc> | undefined;
  byHost: Map<string, Matcher<Doc>> | undefined;
}

interface CategoryRoute {
  get: FieldGetter;
  byCategory: Map<string, Runner[]>;
  any: Runner[];
}

export class RuleDispatcher {
  private readonly routes: CategoryRoute[] = [];
  private readonly runners: Runner[] = [];
  /** Matched documents → their events (the matcher sees documents; alerts need origin and host). */
  private readonly events = new WeakMap<Doc, NormalizedEvent>();
  private seq = 0;

  constructor(rules: readonly LoadedRule[], private readonly onMatch: MatchHandler, options: DispatchOptions = {}) {
    const routeByField = new Map<string, CategoryRoute>();
    for (const loaded of rules) {
      const runner: Runner = {
        loaded,
        counters: { events: 0, matches: 0 },
        lastSeq: -1,
        global: options.partitionByHost ? undefined : loaded.query.matcher<Doc>(),
        byHost: options.partitionByHost ? new Map() : undefined,
      };
      this.runners.push(runner);
      const field = loaded.query.options.eventCategoryField;
      let route = routeByField.get(field);
      if (!route) {
        route = { get: fieldGetter(field), byCategory: new Map(), any: [] };
        routeByField.set(field, route);
        this.routes.push(route);
      }
      const categories = new Set(loaded.query.stages.map((s) => s.category));
      if (categories.has('any') || categories.size === 0) {
        route.any.push(runner);
        continue;
      }
      for (const category of categories) {
        const list = route.byCategory.get(category);
        if (list) list.push(runner);
        else route.byCategory.set(category, [runner]);
      }
    }
  }

  /** Per-rule counters, in rule order. */
  counters(): Array<{ rule: LoadedRule; counters: RuleCounters }> {
    return this.runners.map((r) => ({ rule: r.loaded, counters: r.counters }));
  }

  /** Partial sequences held across all rules (for memory accounting). */
  get pendingCount(): number {
    let n = 0;
    for (const r of this.runners) {
      if (r.global) n += r.global.pendingCount;
      else for (const m of r.byHost!.values()) n += m.pendingCount;
    }
    return n;
  }

  push(event: NormalizedEvent): void {
    const seq = this.seq++;
    const doc = event.doc;
    let mapped = false;
    for (let i = 0; i < this.routes.length; i++) {
      const route = this.routes[i]!;
      for (let j = 0; j < route.any.length; j++) mapped = this.feed(route.any[j]!, event, seq, mapped);
      if (route.byCategory.size === 0) continue;
      const value = route.get(doc);
      if (typeof value === 'string') {
        const list = route.byCategory.get(value);
        if (list) for (let j = 0; j < list.length; j++) mapped = this.feed(list[j]!, event, seq, mapped);
      } else if (Array.isArray(value)) {
        for (let k = 0; k < value.length; k++) {
          const c = value[k];
          const list = typeof c === 'string' ? route.byCategory.get(c) : undefined;
          if (list) for (let j = 0; j < list.length; j++) mapped = this.feed(list[j]!, event, seq, mapped);
        }
      }
    }
  }

  /** End of input: matches waiting on it (trailing missing-event stages, `tail` pipes). */
  flush(): void {
    for (const runner of this.runners) {
      const matchers = runner.global ? [runner.global] : [...runner.byHost!.values()];
      for (const m of matchers) this.deliver(runner, m.flush());
    }
  }

  private feed(runner: Runner, event: NormalizedEvent, seq: number, mapped: boolean): boolean {
    if (runner.lastSeq === seq) return mapped;
    runner.lastSeq = seq;
    runner.counters.events++;
    if (!mapped) this.events.set(event.doc, event);
    let matcher = runner.global;
    if (!matcher) {
      matcher = runner.byHost!.get(event.host);
      if (!matcher) {
        matcher = runner.loaded.query.matcher<Doc>();
        runner.byHost!.set(event.host, matcher);
      }
    }
    const matches = matcher.push(event.doc, event.timestamp);
    if (matches.length > 0) this.deliver(runner, matches);
    return true;
  }

  private deliver(runner: Runner, matches: Match<Doc>[]): void {
    for (const m of matches) {
      runner.counters.matches++;
      const events = m.events.map((doc) => (doc === null ? null : this.events.get(doc) ?? orphan(doc)));
      this.onMatch(runner.loaded, { events, joinKeys: m.joinKeys });
    }
  }
}

/** A matched document we never pushed (cannot happen with a conforming matcher): keep it, origin unknown. */
function orphan(doc: Doc): NormalizedEvent {
  return { doc, timestamp: Number.NaN, host: '', origin: { file: '?' } };
}

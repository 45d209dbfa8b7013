// Sequence pruning for a sorted hunt: an event that can only take the first stage of a sequence is useless unless
// some event, anywhere in the input, takes the second stage under the same join keys. Remote task creation is
// the textbook case: inbound RPC connections to svchost.exe (the first stage) are common, TaskCache `Actions`
// writes (the second) are rare. While reading, each such event gets a gate (the keys it needs, per rule) and the
// second-stage keys seen are collected; when the sort merges, once everything has been read, gated events whose
// keys never came are dropped before their document is parsed.
//
// Sound by construction: only sequences without `until` and missing-event stages are pruned (there a first-stage
// event can only ever matter by being followed by a second-stage one with its keys), only events no enrichment
// reads, and only when the event can take no other stage of any rule.
import type { NormalizedEvent } from '../normalize/types.js';
import type { LoadedRule } from '../rules/types.js';
import { AlertAssembler } from '../alerts/index.js';

/** Second-stage join keys seen so far, per rule index (undefined for rules that are not pruned). */
export type SecondStageKeys = Array<Set<string> | undefined>;

/** Plain form of `SecondStageKeys`, to cross from a worker thread. */
export type SecondStageKeyLists = Array<string[] | null>;

export class SequencePruner {
  private readonly queries: ReadonlyArray<LoadedRule['query']>;
  /** Rule indexes whose first-stage-only events may be pruned. */
  private readonly prunable: boolean[];
  readonly keys: SecondStageKeys;

  constructor(rules: readonly LoadedRule[]) {
    this.queries = rules.map((r) => r.query);
    this.prunable = rules.map(({ query: q }) => q.kind === 'sequence' && q.stages.length >= 2 && q.stages.every((s) => !s.missing && !s.until));
    this.keys = this.prunable.map((p) => (p ? new Set<string>() : undefined));
  }

  /**
   * Looks at an event some rule or enrichment may use (or not): returns false when none can, else the gate to
   * keep with it ('' when it is always kept). Records its second-stage keys.
   */
  examine(event: NormalizedEvent): string | false {
    try {
      return this.gateOf(event);
    } catch {
      return ''; // let the runtime meet it and count the failure with its place
    }
  }

  private gateOf(event: NormalizedEvent): string | false {
    let usable = false;
    let always = false;
    let needs: Array<[number, ...string[]]> | undefined;
    for (let r = 0; r < this.queries.length; r++) {
      const query = this.queries[r]!;
      // Keys matter only for the rules that may be pruned; the others need only a yes or no.
      if (!this.prunable[r]) {
        if (query.mayUse(event.doc)) usable = always = true;
        continue;
      }
      const stages = query.stageKeys(event.doc);
      const first = stages[0];
      let other = false;
      for (let s = 1; s < stages.length; s++) {
        const keys = stages[s];
        if (keys === undefined) continue;
        other = true;
        if (s === 1) for (const k of keys) this.keys[r]!.add(k);
      }
      if (first === undefined && !other) continue;
      usable = true;
      if (other) always = true;
      else (needs ??= []).push([r, ...first!]);
    }
    if (AlertAssembler.usesEvent(event)) return '';
    if (!usable) return false;
    return always || !needs ? '' : JSON.stringify(needs);
  }
}

/** True for an event some rule stage (`CompiledQuery.mayUse`) or the enrichment (`AlertAssembler.usesEvent`) may use. */
export function usableBy(rules: readonly LoadedRule[]): (event: NormalizedEvent) => boolean {
  const queries = rules.map((r) => r.query);
  return (event) => {
    try {
      for (let i = 0; i < queries.length; i++) if (queries[i]!.mayUse(event.doc)) return true;
      return AlertAssembler.usesEvent(event);
    } catch {
      return true; // let the runtime meet it and count the failure with its place
    }
  };
}

/** Plain lists of the keys seen, to send across threads. */
export function keyLists(keys: SecondStageKeys): SecondStageKeyLists {
  return keys.map((set) => (set ? [...set] : null));
}

/** Adds keys seen elsewhere (another thread's pruner) to `into`. */
export function addKeys(into: SecondStageKeys, lists: SecondStageKeyLists): void {
  lists.forEach((list, r) => {
    const set = into[r];
    if (set && list) for (const k of list) set.add(k);
  });
}

/** Once every input is read: does a gated event stay (some rule it could start has a second stage with its keys)? */
export function gateKeeper(keys: SecondStageKeys): (gate: string) => boolean {
  return (gate) => {
    const needs = JSON.parse(gate) as Array<[number, ...string[]]>;
    for (const [r, ...wanted] of needs) {
      const set = keys[r];
      if (!set) return true;
      for (const k of wanted) if (set.has(k)) return true;
    }
    return false;
  };
}

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
import { parseQuery } from '../eql/index.js';
import { ecsFieldType } from '../normalize/ecs-schema.js';
import { canonicalGuid } from '../normalize/values.js';

/** Second-stage join keys seen so far, per rule index (undefined for rules that are not pruned). */
export type SecondStageKeys = Array<Set<string> | undefined>;

/** Plain form of `SecondStageKeys`, to cross from a worker thread. */
export type SecondStageKeyLists = Array<string[] | null>;

/** A sequence whose first-stage-only events may be pruned: two stages or more, no until, no missing-event stage. */
export function isPrunable(rule: LoadedRule): boolean {
  const q = rule.query;
  return q.kind === 'sequence' && q.stages.length >= 2 && q.stages.every((s) => !s.missing && !s.until);
}

export class SequencePruner {
  private readonly queries: ReadonlyArray<LoadedRule['query']>;
  /** Rule indexes whose first-stage-only events may be pruned. */
  private readonly prunable: boolean[];
  readonly keys: SecondStageKeys;

  constructor(rules: readonly LoadedRule[]) {
    this.queries = rules.map((r) => r.query);
    this.prunable = rules.map(isPrunable);
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

// Held lines: the NDJSON pre-filter can hold a line that can only be a pruned sequence's first-stage event without
// decoding it (prefilter.ts), and once everything is read, decode it only if it may carry a join key that some
// second-stage event had. The test looks at one key on the raw text, so it must let through every line whose
// document could have that key value:
// - the key is a string field that normalization leaves as written in an ECS document, or `host.id`, which it
//   fills in from host.name or host.hostname, lowercased, when absent (other host.*, registry.*, source.* and
//   destination.* fields it may fill in or respell; only Sysmon `process.entity_id` GUIDs are respelled, so
//   that spelling is tried too), and whose raw strings stay strings (keyword types);
// - every `"…<segment>": "<text>"` of the line is a candidate (nested or dotted keys alike, and more: a
//   superset), and a line with none, a value that is not a plain string or holds an escape, or a `\u` escape
//   anywhere (it could spell a key another way) is let through.

/** The join key a rule's held first-stage lines are checked on: its position in the key tuple and its field. */
export interface HeldLineKey {
  position: number;
  /** Keys in the tuple (the sequence's `by` and the first stage's own). */
  count: number;
  field: string;
  /** Last segments of the raw keys the value may come from. */
  segments: string[];
  /** Whether the value may be a raw value lowercased. */
  lowercased: boolean;
}

const REWRITTEN = /^(host|registry|source|destination)\.|^@timestamp$/;

function heldLineKey(field: string): Pick<HeldLineKey, 'segments' | 'lowercased'> | undefined {
  if (field === 'host.id') return { segments: ['id', 'name', 'hostname'], lowercased: true };
  if (REWRITTEN.test(field) || ecsFieldType(field) !== 'keyword') return undefined;
  return { segments: [field.slice(field.lastIndexOf('.') + 1)], lowercased: false };
}

/** Per rule: the key its held lines are checked on, or undefined when its lines are never held. */
export function heldLineKeys(rules: readonly LoadedRule[]): Array<HeldLineKey | undefined> {
  return rules.map((rule) => {
    if (!isPrunable(rule)) return undefined;
    const q = parseQuery(rule.rule.query).query;
    if (q.type !== 'sequence') return undefined;
    const fields = [...q.keys, ...q.stages[0]!.keys];
    // The first usable key, preferring one written as is (host.id's candidates are many and common).
    const usable = fields.map((f) => (f.optional ? undefined : heldLineKey(f.name)));
    let position = usable.findIndex((k) => k !== undefined && !k.lowercased);
    if (position === -1) position = usable.findIndex((k) => k !== undefined);
    return position === -1 ? undefined : { position, count: fields.length, field: fields[position]!.name, ...usable[position]! };
  });
}

/**
 * Once every input is read, per rule with a `HeldLineKey` (from `heldLineKeys` over the same rules as `keys`): may
 * a held line carry a second-stage key of that rule (then it is decoded, and its gate decides as for any other
 * event)? 'never' when the rule had no second-stage event at all.
 */
export function heldLineTests(keys: SecondStageKeys, lineKeys: ReadonlyArray<HeldLineKey | undefined>): Array<((line: string) => boolean) | 'never' | undefined> {
  return lineKeys.map((lk, r) => {
    if (!lk) return undefined;
    const set = keys[r];
    if (!set) return () => true;
    // No second-stage event at all: none of its first stages can join (its gate would drop them too).
    if (set.size === 0) return 'never';
    const values = new Set<string>();
    for (const key of set) {
      const parts = key.split('\u0000');
      // A value holding the separator: the tuple cannot be split, so nothing can be ruled out.
      if (parts.length !== lk.count) return () => true;
      const part = parts[lk.position]!;
      // Only string values ('s'); a raw line with a number or null there is let through below anyway.
      if (part.charCodeAt(0) === 115) values.add(part.slice(1));
    }
    const markers = lk.segments.map((segment) => segment + '"');
    return (line: string) => {
      if (hasUnicodeEscape(line)) return true;
      // Ruled out only when some candidate is there and every candidate is plain text that is not wanted.
      let seen = false;
      for (const marker of markers) {
        const verdict = valuesIn(line, marker, values, lk.lowercased);
        if (verdict === true || verdict === 'unsure') return true;
        if (verdict === false) seen = true;
      }
      return !seen;
    };
  });
}

/** A `\\u` escape (an odd run of backslashes before `u`): it could spell a key or value another way. */
function hasUnicodeEscape(line: string): boolean {
  for (let at = line.indexOf('\\u'); at !== -1; at = line.indexOf('\\u', at + 1)) {
    let run = 1;
    while (at - run >= 0 && line.charCodeAt(at - run) === 92) run++;
    if (run % 2 === 1) return true;
  }
  return false;
}

const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;

/**
 * Whether a `"<marker>: "<value>"` or `".<marker>: "<value>"` of the line has a value in `set`: 'unsure' when some
 * value is not plain text, undefined when there is none.
 */
function valuesIn(line: string, marker: string, set: Set<string>, lowercased: boolean): boolean | 'unsure' | undefined {
  let found = false;
  for (let at = line.indexOf(marker); at !== -1; at = line.indexOf(marker, at + marker.length)) {
    const before = line.charCodeAt(at - 1);
    if (before !== 34 /* " */ && before !== 46 /* . */) continue; // a longer name (`pid` for `id`)
    let i = at + marker.length;
    while (isSpace(line.charCodeAt(i))) i++;
    if (line.charCodeAt(i) !== 58 /* : */) continue; // a string value ending so, not a key
    i++;
    while (isSpace(line.charCodeAt(i))) i++;
    if (line.charCodeAt(i) !== 34 /* " */) return 'unsure';
    const end = line.indexOf('"', i + 1);
    if (end === -1) return 'unsure';
    const value = line.slice(i + 1, end);
    if (value.includes('\\')) return 'unsure';
    if (set.has(value) || set.has(canonicalGuid(value)) || (lowercased && set.has(value.toLowerCase()))) return true;
    found = true;
  }
  return found ? false : undefined;
}

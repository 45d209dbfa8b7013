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
import { canonicalGuid, guidMayRespell } from '../normalize/values.js';

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
  const wanted = wantedValues(keys, lineKeys);
  return lineKeys.map((lk, r) => {
    const values = wanted[r];
    if (!lk || values === undefined) return undefined;
    if (values === 'never') return 'never';
    if (values === 'all') return () => true;
    const markers = lk.segments.map((segment) => segment + '"');
    const isWanted = (text: string, from: number, to: number) => {
      const value = text.slice(from, to);
      return values.has(value) || values.has(canonicalGuid(value)) || (lk.lowercased && values.has(value.toLowerCase()));
    };
    return (line: string) => {
      if (hasUnicodeEscape(line)) return true;
      // Ruled out only when some candidate is there and every candidate is plain text that is not wanted.
      let seen = false;
      for (const marker of markers) {
        const verdict = eachValue(line, marker, isWanted);
        if (verdict === 'hit' || verdict === 'unsure') return true;
        if (verdict === 'seen') seen = true;
      }
      return !seen;
    };
  });
}

// The key test above reads every held line once everything is read. To spare that, a held line's candidate values
// are hashed as it is held, into a fixed-size summary (`HeldKeySummary`): per distinct key (segments, case), up to
// MAX_HELD_HASHES hashes, or ANY. Once the keys are known, only lines whose tag names a rule that may still join and
// whose summary for that rule's key holds a wanted hash, or ANY, are read back and put to the test. A hash
// collision costs a line read back, never a line missed.

/** The hold tag bit of the k-th rule with a held-line key (prefilter.ts tags held lines so; rules past the 31st share one). */
export const heldRuleBit = (k: number): number => 1 << Math.min(k, 30);

/** Most hashes kept per key and held line; a line with more may carry any value of that key. */
const MAX_HELD_HASHES = 6;
/** A summary's count word for a key whose line may carry any value (the key test would let it through). */
const ANY = 0xffffffff;
const SLOT = 1 + MAX_HELD_HASHES;

/** FNV-1a over the UTF-16 code units of `text[from, to)` (default: all of it). */
function hashKeyValue(text: string, from = 0, to = text.length): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The distinct keys (segments and case) of the rules with a held-line key, and each such rule's among them. */
function distinctKeys(lineKeys: ReadonlyArray<HeldLineKey | undefined>): { keys: HeldLineKey[]; slotOf: number[] } {
  const keys: HeldLineKey[] = [];
  const names: string[] = [];
  const slotOf: number[] = [];
  for (const lk of lineKeys) {
    if (!lk) continue;
    const name = `${lk.segments.join(',')}/${lk.lowercased}`;
    let slot = names.indexOf(name);
    if (slot === -1) {
      slot = keys.push(lk) - 1;
      names.push(name);
    }
    slotOf.push(slot);
  }
  return { keys, slotOf };
}

/** What a held line's key values are kept as, in `width` 32-bit words (held-lines.ts stores them beside its text). */
export interface HeldKeySummary {
  width: number;
  /**
   * Fills `out[at, at + width)` for a held line with hold tag `tag`: for each distinct key of the rules the tag
   * names, the hashes of every spelling the key test compares (each candidate as written and as a GUID respelled),
   * or ANY when the test would let the line through whatever the keys (a `\u` escape, a value that is not plain
   * text, no candidate), when there are too many, for a value beyond ASCII (`line` may be the latin1 reading of the
   * line's UTF-8 bytes), and for a key that may be lowercased (below).
   */
  summarize(line: string, tag: number, out: Uint32Array, at: number): void;
}

export function heldKeySummary(lineKeys: ReadonlyArray<HeldLineKey | undefined>): HeldKeySummary {
  const { keys, slotOf } = distinctKeys(lineKeys);
  const markers = keys.map((lk) => lk.segments.map((segment) => segment + '"'));
  // The slot being filled (`summarize` runs on every held line: no closure or string per line unless a value may
  // be respelled).
  let out: Uint32Array = new Uint32Array(0);
  let base = 0;
  let n = 0;
  const push = (h: number): void => {
    for (let i = 0; i < n; i++) if (out[base + 1 + i] === h) return;
    if (n < MAX_HELD_HASHES) out[base + 1 + n] = h;
    n++;
  };
  // Every spelling the key test compares (as written, and as a GUID respelled); true (stop) once there are too
  // many to keep.
  const add = (line: string, from: number, to: number): boolean => {
    push(hashKeyValue(line, from, to));
    if (guidMayRespell(line, from, to)) push(hashKeyValue(canonicalGuid(line.slice(from, to))));
    return n > MAX_HELD_HASHES;
  };
  return {
    width: keys.length * SLOT,
    summarize(line, tag, into, at) {
      const escaped = hasUnicodeEscape(line);
      for (let slot = 0; slot < keys.length; slot++) into[at + slot * SLOT] = escaped ? ANY : 0;
      if (escaped) return;
      for (let k = 0; k < slotOf.length; k++) {
        const slot = slotOf[k]!;
        // Only the keys of rules the line may start, each once (0 hashes: not filled yet, or no use).
        if ((tag & heldRuleBit(k)) === 0 || into[at + slot * SLOT] !== 0) continue;
        // The key that may be lowercased is host.id, whose candidates are every `id`, `name` and `hostname` of the
        // line (event, agent, process, user...): more than a summary keeps, so they are not looked for (on the
        // bench's 1 GB input, a third of a second spent in vain).
        if (keys[slot]!.lowercased) {
          into[at + slot * SLOT] = ANY;
          continue;
        }
        out = into;
        base = at + slot * SLOT;
        n = 0;
        let seen = false;
        let any = false;
        for (const marker of markers[slot]!) {
          const verdict = eachValue(line, marker, add);
          if (verdict === 'unsure' || verdict === 'hit') any = true;
          else if (verdict === 'seen') seen = true;
          if (any) break;
        }
        // No candidate at all: the key test lets the line through.
        into[base] = any || !seen ? ANY : n;
      }
    },
  };
}

/** Which held lines to read back, by their hold tag and key summary (`summary[at, at + width)`). */
export type HeldSelect = (tag: number, summary: Uint32Array, at: number) => boolean;

/**
 * Once every input is read: the held lines that may pass `heldLineTests` for a rule whose first stage their tag says
 * they fit (summaries from `heldKeySummary` over the same `lineKeys`). Every line the key test takes is among them.
 */
export function heldLineSelect(keys: SecondStageKeys, lineKeys: ReadonlyArray<HeldLineKey | undefined>): HeldSelect {
  const tests = heldKeyHashes(keys, lineKeys).filter((_, r) => lineKeys[r] !== undefined);
  const { slotOf } = distinctKeys(lineKeys);
  return (tag, summary, at) => {
    for (let k = 0; k < tests.length; k++) {
      const test = tests[k];
      if ((tag & heldRuleBit(k)) === 0 || test === 'never' || test === undefined) continue;
      const base = at + slotOf[k]! * SLOT;
      const n = summary[base]!;
      if (test === 'all' || n === ANY) return true;
      for (let i = 1; i <= n; i++) if (test.has(summary[base + i]!)) return true;
    }
    return false;
  };
}

/**
 * Once every input is read, per rule with a held-line key: the values of that key its second-stage events had
 * (strings only: a raw line with a number or null there is let through anyway), 'all' when nothing can be ruled
 * out, 'never' when no line can join.
 */
function wantedValues(keys: SecondStageKeys, lineKeys: ReadonlyArray<HeldLineKey | undefined>): Array<Set<string> | 'all' | 'never' | undefined> {
  return lineKeys.map((lk, r) => {
    if (!lk) return undefined;
    const set = keys[r];
    if (!set) return 'all';
    // No second-stage event at all: none of its first stages can join (its gate would drop them too).
    if (set.size === 0) return 'never';
    const values = new Set<string>();
    for (const key of set) {
      const parts = key.split('\u0000');
      // A value holding the separator: the tuple cannot be split, so nothing can be ruled out.
      if (parts.length !== lk.count) return 'all';
      const part = parts[lk.position]!;
      if (part.charCodeAt(0) === 115 /* s */) values.add(part.slice(1));
    }
    return values;
  });
}

/** `wantedValues` with each value hashed as `heldKeySummary` hashes them. */
function heldKeyHashes(keys: SecondStageKeys, lineKeys: ReadonlyArray<HeldLineKey | undefined>): Array<Set<number> | 'all' | 'never' | undefined> {
  return wantedValues(keys, lineKeys).map((values) => (values instanceof Set ? new Set([...values].map((v) => hashKeyValue(v))) : values));
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
 * Calls `visit` on each value (`line[from, to)`) of a `"<marker>: "<value>"` or `".<marker>: "<value>"` of the line,
 * in order, until it returns true ('hit') or a value is not plain ASCII text ('unsure'); else 'seen' when there was
 * a value, 'none' when not.
 */
function eachValue(line: string, marker: string, visit: (line: string, from: number, to: number) => boolean): 'hit' | 'unsure' | 'seen' | 'none' {
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
    const escape = line.indexOf('\\', i + 1);
    if (escape !== -1 && escape < end) return 'unsure';
    // Not ASCII: a held line may be the latin1 reading of its UTF-8 bytes (json/read.ts), whose characters are
    // not the value's.
    for (let c = i + 1; c < end; c++) if (line.charCodeAt(c) > 0x7f) return 'unsure';
    if (visit(line, i + 1, end)) return 'hit';
    found = true;
  }
  return found ? 'seen' : 'none';
}

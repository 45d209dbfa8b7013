// Property test: on random event streams and random sequence queries, the incremental matcher returns
// exactly what a plain batch reference returns. The reference is written from the rules, not from the
// engine: a list-based state machine over positive stages with `until` and maxspan checked at each advance
// (like Elasticsearch's SequenceMatcher: rejected when an until event lies in [last event, advancing event)), then missing-event stages checked afterwards against the whole
// stream the way Elasticsearch's TumblingWindow queries them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileQuery } from '../../src/eql/index.js';

interface E {
  i: number;
  t: number;
  cat: string;
  v: number;
  k?: unknown;
  '@timestamp': number;
  event: { category: string };
}

interface StageSpec {
  cat: string;
  max: number | null; // condition v <= max, or true
  missing: boolean;
}

interface QuerySpec {
  stages: StageSpec[];
  until: StageSpec | null;
  maxspan: number | null;
  keyed: boolean;
  optional: boolean;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = s;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

function genEvents(r: () => number, n: number): E[] {
  const out: E[] = [];
  let t = 0;
  for (let i = 0; i < n; i++) {
    t += pick(r, [0, 0, 1, 1, 2, 3, 5]);
    const cat = pick(r, ['a', 'b', 'c', 'd']);
    const e: E = { i, t, cat, v: Math.floor(r() * 4), '@timestamp': t, event: { category: cat } };
    const k = pick(r, [1, 2, 3, null, undefined, [1, 2], 'x']);
    if (k !== undefined) e.k = k;
    out.push(e);
  }
  return out;
}

function genQuery(r: () => number): QuerySpec {
  const maxspan = r() < 0.6 ? pick(r, [2, 4, 7, 12]) : null;
  const n = 2 + Math.floor(r() * 3);
  const stages: StageSpec[] = [];
  for (let s = 0; s < n; s++) stages.push({ cat: pick(r, ['a', 'b', 'c']), max: r() < 0.5 ? null : Math.floor(r() * 4), missing: maxspan !== null && r() < 0.25 });
  if (stages.every((s) => s.missing)) stages[Math.floor(r() * n)]!.missing = false;
  const until = r() < 0.3 ? { cat: pick(r, ['d', 'd', 'a', 'b']), max: r() < 0.5 ? null : 1, missing: false } : null;
  return { stages, until, maxspan, keyed: r() < 0.8, optional: r() < 0.4 };
}

function eqlOf(q: QuerySpec): string {
  const cond = (s: StageSpec): string => `${s.cat} where ${s.max === null ? 'true' : `v <= ${s.max}`}`;
  let text = 'sequence';
  if (q.keyed) text += ` by ${q.optional ? '?k' : 'k'}`;
  if (q.maxspan !== null) text += ` with maxspan=${q.maxspan}ms`;
  for (const s of q.stages) text += ` ${s.missing ? '!' : ''}[${cond(s)}]`;
  if (q.until) text += ` until [${cond(q.until)}]`;
  return text;
}

// ---- the reference ----

function test1(s: StageSpec, e: E): boolean {
  return e.cat === s.cat && (s.max === null || e.v <= s.max);
}

function keysOf(q: QuerySpec, e: E): string[] {
  if (!q.keyed) return [''];
  const k = e.k;
  if (k === null || k === undefined) return q.optional ? ['null'] : [];
  const vals = Array.isArray(k) ? k : [k];
  const out: string[] = [];
  for (const v of vals) {
    const key = `${typeof v}:${String(v)}`;
    if (!out.includes(key)) out.push(key);
  }
  return out;
}

interface RefSeq {
  key: string;
  slots: (number | null)[];
  lastIdx: number;
}

function reference(q: QuerySpec, events: E[]): string[] {
  const n = q.stages.length;
  const P = q.stages.map((s, i) => (s.missing ? -1 : i)).filter((i) => i >= 0);
  const pending: RefSeq[][] = P.map(() => []);
  const candidates: RefSeq[] = [];
  const place = (list: RefSeq[], seq: RefSeq): void => {
    const j = list.findIndex((x) => x.key === seq.key);
    if (j >= 0) list.splice(j, 1);
    list.push(seq);
  };
  for (const e of events) {
    for (let p = P.length - 1; p >= 0; p--) {
      if (!test1(q.stages[P[p]!]!, e)) continue;
      for (const key of keysOf(q, e)) {
        if (p === 0) {
          const slots = new Array<number | null>(n).fill(null);
          slots[P[0]!] = e.i;
          const seq = { key, slots, lastIdx: e.i };
          if (P.length === 1) candidates.push(seq);
          else place(pending[0]!, seq);
          continue;
        }
        const j = pending[p - 1]!.findIndex((x) => x.key === key);
        if (j < 0) continue;
        const [seq] = pending[p - 1]!.splice(j, 1);
        const start = events[seq!.slots[P[0]!]!]!.t;
        if (q.maxspan !== null && e.t - start > q.maxspan) continue;
        if (q.until && events.some((u) => u.i >= seq!.lastIdx && u.i < e.i && test1(q.until!, u) && keysOf(q, u).includes(key))) continue;
        const slots = [...seq!.slots];
        slots[P[p]!] = e.i;
        const next = { key, slots, lastIdx: e.i };
        if (p === P.length - 1) candidates.push(next);
        else place(pending[p]!, next);
      }
    }
  }
  const ms = Math.floor;
  const out: string[] = [];
  for (const c of candidates) {
    const tOf = (stage: number): number => events[c.slots[stage]!]!.t;
    const startT = tOf(P[0]!);
    const lastT = tOf(P[P.length - 1]!);
    let leading = true;
    let discarded = false;
    let lastLeading: number | null = null;
    let firstTrailing: number | null = null;
    for (let s = 0; s < n; s++) {
      const st = q.stages[s]!;
      if (!st.missing) {
        leading = false;
        continue;
      }
      const hits = events.filter((e) => test1(st, e) && keysOf(q, e).includes(c.key));
      const trailing = !P.some((p) => p > s);
      if (leading) {
        for (const h of hits) if (ms(h.t) < ms(startT) && (lastLeading === null || h.t > lastLeading)) lastLeading = h.t;
      } else if (trailing) {
        for (const h of hits) if (ms(h.t) > ms(lastT) && (firstTrailing === null || h.t < firstTrailing)) firstTrailing = h.t;
      } else {
        const prev = tOf(Math.max(...P.filter((p) => p < s)));
        const next = tOf(Math.min(...P.filter((p) => p > s)));
        if (hits.some((h) => ms(h.t) > ms(prev) && ms(h.t) < ms(next))) discarded = true;
      }
    }
    if (discarded) continue;
    const bigger = (from: number | null, to: number | null): boolean => from === null || to === null || to - from > q.maxspan!;
    const m0 = q.stages[0]!.missing;
    const mL = q.stages[n - 1]!.missing;
    const accept =
      (firstTrailing === null && lastLeading === null) ||
      (lastLeading === null && m0) ||
      (firstTrailing === null && mL) ||
      (m0 && mL && bigger(lastLeading, firstTrailing)) ||
      (m0 && !mL && bigger(lastLeading, lastT)) ||
      (!m0 && mL && bigger(startT, firstTrailing));
    if (accept) out.push(c.slots.map((x) => (x === null ? '-' : String(x))).join(' '));
  }
  return out;
}

function engine(q: QuerySpec, events: E[]): string[] {
  const m = compileQuery(eqlOf(q), { fieldType: (f) => (f === 'v' ? 'long' : undefined) }).matcher<E>();
  const out: string[] = [];
  const fmt = (x: { events: (E | null)[] }): string => x.events.map((e) => (e ? String(e.i) : '-')).join(' ');
  for (const e of events) for (const x of m.push(e)) out.push(fmt(x));
  for (const x of m.flush()) out.push(fmt(x));
  return out;
}

test('incremental matcher equals the batch reference on random streams', () => {
  let compared = 0;
  let nonEmpty = 0;
  for (let seed = 1; seed <= 1500; seed++) {
    const r = rng(seed);
    const q = genQuery(r);
    const events = genEvents(r, 10 + Math.floor(r() * 50));
    const want = reference(q, events).sort();
    const got = engine(q, events).sort();
    assert.deepEqual(got, want, `seed ${seed}: ${eqlOf(q)}`);
    compared++;
    if (want.length > 0) nonEmpty++;
  }
  assert.equal(compared, 1500);
  assert.ok(nonEmpty > 300, `the generator must produce matches often (got ${nonEmpty})`);
});

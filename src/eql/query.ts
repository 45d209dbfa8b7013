// compileQuery: checks a parsed query against the options (mapping, known fields) and assembles the
// CompiledQuery: per-stage predicates (category + condition), join-key extractors, and the matcher.
import type { CompiledQuery, CompileOptions, Match, Matcher, StageInfo } from './api.js';
import type { EventQueryNode, FieldNode, QueryAst, StageNode } from './ast.js';
import { EqlError } from './errors.js';
import { ExprCompiler } from './compile-expr.js';
import { makeGetter, type Getter, type Value } from './fields.js';
import { parseQuery } from './parser.js';
import { SequenceMatcher, type SeqStageRt } from './sequence.js';

type Test = (doc: unknown) => boolean;

/** Whether a category field's value is `category` or, as an array, holds it. */
function isCategory(v: Value | Value[] | null, category: string): boolean {
  if (v === category) return true;
  if (Array.isArray(v)) for (const x of v) if (x === category) return true;
  return false;
}

function categoryTest(getter: Getter, category: string | null): Test | null {
  if (category === null) return null;
  return (doc) => isCategory(getter(doc), category);
}

function stageTest(cat: Test | null, cond: Test): Test {
  return cat ? (doc) => cat(doc) && cond(doc) : cond;
}

function encodeKeyPart(v: Value): string {
  if (v === null) return 'z';
  switch (typeof v) {
    case 'string': return 's' + v;
    case 'number': return 'n' + v;
    default: return 'b' + v;
  }
}

/** Join-key extractor: every combination of (multi-valued) key values; null when a required key is null. */
function keyExtractor(getters: Getter[], optional: boolean[]): SeqStageRt['keys'] {
  const n = getters.length;
  if (n === 0) return () => [['', []]];
  if (n === 1) {
    const g = getters[0]!;
    const opt = optional[0]!;
    return (doc) => {
      const v = g(doc);
      if (v === null) return opt ? [['z', [null]]] : null;
      if (!Array.isArray(v)) return [[encodeKeyPart(v), [v]]];
      const seen = new Set<string>();
      const out: Array<[string, unknown[]]> = [];
      for (const x of v) {
        const k = encodeKeyPart(x);
        if (!seen.has(k)) {
          seen.add(k);
          out.push([k, [x]]);
        }
      }
      return out;
    };
  }
  const vals: Value[] = new Array(n);
  return (doc) => {
    let multi = false;
    let key = '';
    for (let i = 0; i < n; i++) {
      const v = getters[i]!(doc);
      if (v === null && !optional[i]) return null;
      if (Array.isArray(v)) multi = true;
      vals[i] = v;
      if (!multi) key = i === 0 ? encodeKeyPart(v) : key + '\u0000' + encodeKeyPart(v);
    }
    if (!multi) return [[key, vals.slice()]];
    let combos: Array<[string, unknown[]]> = [['', []]];
    for (let i = 0; i < n; i++) {
      const v = vals[i]!;
      const options: Value[] = v === null ? [null] : Array.isArray(v) ? [...new Set(v)] : [v];
      const next: Array<[string, unknown[]]> = [];
      for (const [k, vs] of combos) for (const x of options) next.push([i === 0 ? encodeKeyPart(x) : k + '\u0000' + encodeKeyPart(x), [...vs, x]]);
      combos = next;
      if (combos.length > 4096) combos = combos.slice(0, 4096);
    }
    return combos;
  };
}

function fieldsOf(compiler: ExprCompiler, before: Set<string>): string[] {
  return [...compiler.fields].filter((f) => !before.has(f));
}

export function compileQuery(source: string | QueryAst, options: CompileOptions = {}): CompiledQuery {
  try {
    return compileChecked(source, options);
  } catch (err) {
    if (err instanceof EqlError) throw err;
    if (err instanceof RangeError) throw new EqlError('query is nested too deeply');
    // Anything else is a bug of ours; it still reaches the caller as a positioned EqlError.
    throw new EqlError(`internal error while compiling the query: ${(err as Error)?.message ?? String(err)}`);
  }
}

function compileChecked(source: string | QueryAst, options: CompileOptions): CompiledQuery {
  const ast = typeof source === 'string' ? parseQuery(source) : source;
  const timestampField = options.timestampField ?? '@timestamp';
  const eventCategoryField = options.eventCategoryField ?? 'event.category';
  const size = options.size ?? 10;
  if (!Number.isInteger(size) || size < 0) throw new EqlError(`size must be a non-negative integer, found ${size}`);
  const compiler = new ExprCompiler({ fieldType: options.fieldType, isKnownField: options.isKnownField });
  const catGetter = makeGetter(eventCategoryField, undefined);
  const tsGetter = makeGetter(timestampField, 'date');
  const timestampOf = (doc: unknown): number => {
    const v = tsGetter(doc);
    const x = Array.isArray(v) ? v[0] : v;
    return typeof x === 'number' ? x : NaN;
  };
  const compiledOptions = { timestampField, eventCategoryField, size, ...(options.tiebreakerField ? { tiebreakerField: options.tiebreakerField } : {}) };
  const pipes = ast.pipes.map((p) => ({ kind: p.kind, n: p.n }));

  const compileEvent = (q: EventQueryNode): { test: Test; cond: Test; fields: string[] } => {
    const before = new Set(compiler.fields);
    const cond = compiler.condition(q.condition);
    return { test: stageTest(categoryTest(catGetter, q.category), cond), cond, fields: fieldsOf(compiler, before) };
  };

  const q = ast.query;
  if (q.type === 'event') {
    const { test, fields } = compileEvent(q);
    const stages: StageInfo[] = [{ category: q.category ?? 'any', missing: false, until: false, runs: 1, fields }];
    return {
      kind: 'event',
      source: ast.source,
      stages,
      fields: [...compiler.fields],
      pipes,
      options: compiledOptions,
      matches: (event) => safeTest(test, event),
      mayUse: (event) => safeTest(test, event),
      stageKeys: (event) => [safeTest(test, event) ? [] : undefined],
      matcher<E>(): Matcher<E> {
        return {
          push(event: E): Match<E>[] {
            return safeTest(test, event) ? [{ events: [event], joinKeys: [] }] : [];
          },
          flush: () => [],
          pendingCount: 0,
        };
      },
    };
  }

  // Sequence.
  const missingCount = q.stages.filter((s) => s.missing).length;
  if (missingCount === q.stages.length) throw EqlError.at(q.pos, 'a sequence needs at least one stage that is not a missing-event stage', ["'['"]);
  if (missingCount > 0 && q.maxspanMs === undefined) throw EqlError.at(q.pos, "missing-event stages '![...]' need 'with maxspan'", ["'with maxspan'"]);
  const keyCount = q.stages[0]!.keys.length;
  const allStages = q.until ? [...q.stages, q.until] : q.stages;
  for (const s of allStages) {
    if (s.keys.length !== keyCount) {
      throw EqlError.at(s.keys[0]?.pos ?? s.pos, `inconsistent join keys: the first stage has ${keyCount} 'by' key${keyCount === 1 ? '' : 's'}, this stage has ${s.keys.length}`);
    }
  }
  const seqKeyNodes = q.keys;
  const compileKeys = (nodes: FieldNode[]): { getters: Getter[]; optional: boolean[] } => {
    for (const k of nodes) compiler.checkField(k);
    return { getters: nodes.map((k) => compiler.getter(k.name)), optional: nodes.map((k) => k.optional) };
  };
  const seqKeys = compileKeys(seqKeyNodes);
  /** Per stage runtime: its category (null: any) and condition apart, for `stageKeys` (below). */
  const parts = new Map<SeqStageRt, { category: string | null; cond: Test }>();
  const build = (s: StageNode, until: boolean): { rt: SeqStageRt; info: StageInfo } => {
    const { test, cond, fields } = compileEvent(s.query);
    const own = compileKeys(s.keys);
    const keys = keyExtractor([...seqKeys.getters, ...own.getters], [...seqKeys.optional, ...own.optional]);
    const keyFields = [...seqKeyNodes, ...s.keys].map((k) => k.name);
    const info: StageInfo = {
      category: s.query.category ?? 'any',
      missing: s.missing,
      until,
      runs: s.runs,
      fields: [...new Set([...fields, ...keyFields])],
    };
    const rt: SeqStageRt = { test: (d) => safeTest(test, d), keys: (d) => safeKeys(keys, d), missing: s.missing };
    parts.set(rt, { category: s.query.category, cond });
    return { rt, info };
  };
  const rts: SeqStageRt[] = [];
  const infos: StageInfo[] = [];
  for (const s of q.stages) {
    const { rt, info } = build(s, false);
    infos.push(info);
    for (let r = 0; r < s.runs; r++) rts.push(rt);
  }
  let untilRt: SeqStageRt | undefined;
  if (q.until) {
    const { rt, info } = build(q.until, true);
    untilRt = rt;
    infos.push(info);
  }
  const spec = { stages: rts, until: untilRt, maxspanMs: q.maxspanMs, timestampOf };
  // One runtime per stage as written (runs expanded in `rts` share theirs), until last: `stageKeys` order.
  const distinct = [...new Set(rts), ...(untilRt ? [untilRt] : [])];
  const anyStage = rts.map((r) => r.test);
  // `stageKeys` runs on every event a hunt reads (sequence-pruning.ts): the event's category is read once for all
  // stages, not once per stage (`isCategory`, as `categoryTest` compares it).
  const split = distinct.map((rt) => ({ rt, ...parts.get(rt)! }));
  const categorized = split.some((p) => p.category !== null);
  return {
    kind: 'sequence',
    source: ast.source,
    stages: infos,
    fields: [...compiler.fields],
    maxspanMs: q.maxspanMs,
    pipes,
    options: compiledOptions,
    matches: (event) => anyStage.some((t) => t(event)),
    mayUse: (event) => anyStage.some((t) => t(event)) || (untilRt !== undefined && untilRt.test(event)),
    stageKeys: (event) => {
      let category: Value | Value[] | null = null;
      // A getter that throws on a hostile document fails every stage with a category, as their tests would.
      let readable = true;
      if (categorized) {
        try {
          category = catGetter(event);
        } catch {
          readable = false;
        }
      }
      return split.map(({ rt, category: wanted, cond }) => {
        if (wanted !== null && !(readable && isCategory(category, wanted))) return undefined;
        if (!safeTest(cond, event)) return undefined;
        const keys = rt.keys(event);
        return keys ? keys.map(([k]) => k) : [];
      });
    },
    matcher<E>(): Matcher<E> {
      return new SequenceMatcher<E>(spec);
    },
  };
}

/** Evaluation never throws to the caller: a failure on a hostile document is a non-match. */
function safeTest(test: Test, doc: unknown): boolean {
  try {
    return test(doc);
  } catch {
    return false;
  }
}

function safeKeys(keys: SeqStageRt['keys'], doc: unknown): ReturnType<SeqStageRt['keys']> {
  try {
    return keys(doc);
  } catch {
    return null;
  }
}

/** Applies `| head N` / `| tail N` pipes and the result size to matches in result order. */
export function applyPipes<T>(results: T[], pipes: ReadonlyArray<{ kind: 'head' | 'tail'; n: number }>, size: number): T[] {
  let out = results;
  for (const p of pipes) out = p.kind === 'head' ? out.slice(0, p.n) : out.slice(Math.max(0, out.length - p.n));
  const last = pipes[pipes.length - 1];
  if (out.length > size) out = last?.kind === 'tail' ? out.slice(out.length - size) : out.slice(0, size);
  return out;
}

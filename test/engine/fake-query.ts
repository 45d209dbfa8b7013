// A hand-written CompiledQuery for runtime tests that must not depend on the EQL engine: a two-stage
// sequence joined by one key within maxspan, with stage predicates given as functions.
import type { CompiledQuery, Match, Matcher, StageInfo } from '../../src/eql/api.js';
import type { LoadedRule, Rule } from '../../src/rules/types.js';

type Doc = Record<string, unknown>;

export interface FakeSequence {
  categories: [string, string];
  first: (doc: Doc) => boolean;
  second: (doc: Doc) => boolean;
  key: (doc: Doc) => unknown;
  maxspanMs: number;
}

function category(doc: Doc): string[] {
  const c = (doc.event as Doc | undefined)?.category;
  return Array.isArray(c) ? (c as string[]) : typeof c === 'string' ? [c] : [];
}

export function fakeSequenceQuery(spec: FakeSequence): CompiledQuery & { pushed: Doc[] } {
  const stages: StageInfo[] = spec.categories.map((c) => ({ category: c, missing: false, until: false, runs: 1, fields: [] }));
  const pushed: Doc[] = [];
  return {
    kind: 'sequence',
    source: 'fake',
    stages,
    fields: [],
    maxspanMs: spec.maxspanMs,
    pipes: [],
    options: { timestampField: '@timestamp', eventCategoryField: 'event.category', size: 10 },
    pushed,
    matches: () => false,
    // Any event of a stage's category may matter to this fake matcher.
    mayUse: (doc) => category(doc as Doc).some((c) => spec.categories.includes(c)),
    stageKeys: (doc) => spec.categories.map((c) => (category(doc as Doc).includes(c) ? [] : undefined)),
    matcher<E = unknown>(): Matcher<E> {
      const pending = new Map<unknown, Array<{ e: E; t: number }>>();
      let last = -Infinity;
      return {
        push(event: E, timestamp?: number): Match<E>[] {
          const doc = event as unknown as Doc;
          const t = timestamp ?? Date.parse(String(doc['@timestamp']));
          if (t < last) throw new Error(`fake matcher: out of order (${t} after ${last})`);
          last = t;
          pushed.push(doc);
          const cats = category(doc);
          const key = spec.key(doc);
          const out: Match<E>[] = [];
          if (cats.includes(spec.categories[1]) && spec.second(doc)) {
            const list = (pending.get(key) ?? []).filter((p) => t - p.t <= spec.maxspanMs);
            if (list.length > 0) {
              out.push({ events: [list[0]!.e, event], joinKeys: [key] });
              pending.delete(key);
            }
          }
          if (cats.includes(spec.categories[0]) && spec.first(doc)) {
            const list = pending.get(key) ?? [];
            list.push({ e: event, t });
            pending.set(key, list);
          }
          return out;
        },
        flush: () => [],
        get pendingCount() {
          let n = 0;
          for (const l of pending.values()) n += l.length;
          return n;
        },
      };
    },
  };
}

export function fakeRule(id: string, query: CompiledQuery, extra: Partial<Rule> = {}): LoadedRule {
  const rule: Rule = {
    ruleId: id,
    name: `Rule ${id}`,
    description: 'test',
    type: 'eql',
    language: 'eql',
    query: 'fake',
    riskScore: 47,
    severity: 'medium',
    threat: [],
    tags: [],
    references: [],
    falsePositives: [],
    exceptionLists: [],
    source: 'test',
    metadata: {},
    ...extra,
  };
  return { rule, query };
}

// EVTX lazy decoding driven by the rules: a (provider, EventID) test the EVTX reader runs before decoding a
// record's other values (`InputOptions.filter`). A record is kept when it may become an event that
// - some rule stage can use: its normalized event.category (src/normalize/record-kinds.ts, the normalizer's own
//   tables) may be the stage's category (`any` stages: always), and when the stage's condition implies "event.code
//   is one of … or event.category is one of …" (`event.code == "5145"`), the record may satisfy that too;
// - enrichment can use (src/alerts/context-events.ts `classify`): by event id, whatever the provider or channel.
// It must never change an alert, so every doubt keeps the record, and when a stage says nothing about the kind of
// event (`any where true`) there is no filter at all.
//
// Assumption (the only one; the reader offers no channel or event data to a filter): a record whose provider is
// not Sysmon does not carry a Sysmon-style `TargetObject` under ...\Schedule\TaskCache\ in some unrelated
// channel (classify would take it as TaskCache context by its data alone).
import type { Expr, QueryAst } from '../eql/ast.js';
import { parseQuery } from '../eql/index.js';
import { recordCategories } from '../normalize/record-kinds.js';
import type { LoadedRule } from '../rules/types.js';

export type RecordFilter = (provider: string, eventId: number) => boolean;

export interface RecordFilterOptions {
  /**
   * The caller feeds a CoverageTracker. Coverage lists every host and counts every event per host, and a filter
   * sees neither the host nor the rest of the record, so nothing can be skipped: the result is undefined.
   */
  coverage: boolean;
}

/**
 * Event ids enrichment reads whatever the provider (`classify` in src/alerts/context-events.ts tests the channel
 * and the data, which a filter cannot see): Sysmon process starts and registry writes (TaskCache), logons,
 * privileges, admin shares, services, Security and Task Scheduler task events, 4688. Keep in step with `classify`
 * (the test derives classify's answers for every id and checks this set covers them).
 */
export const CONTEXT_EVENT_IDS: ReadonlySet<number> = new Set([
  1, 12, 13, 14, // Sysmon: process start (svchost parent), registry writes (TaskCache)
  4624, 4648, 4672, 5140, 5145, 4697, 7045, 4688, 4698, 4699, 4700, 4701, 4702,
  100, 102, 106, 110, 129, 140, 141, 142, 200, 201, 203, // TaskScheduler/Operational
]);

/** What an `any` stage's condition implies: the event code is one of `codes` or a category one of `categories`. */
interface Requirement {
  codes: Set<number>;
  categories: Set<string>;
}

const CODE_FIELDS = new Set(['event.code', 'winlog.event_id']);

/** An event id a literal can equal (event.code is the decimal text of the EventID), or undefined. */
function codeOf(v: Expr): number | undefined {
  if (v.type !== 'literal') return undefined;
  const text = typeof v.value === 'number' ? String(v.value) : typeof v.value === 'string' ? v.value : undefined;
  // Only canonical decimal text: "04624" or "4624.0" would need the comparison's exact semantics.
  return text !== undefined && /^(0|[1-9]\d{0,9})$/.test(text) ? Number(text) : undefined;
}

/** A category a literal can equal (lowercased: normalized categories are lowercase, so this only widens). */
function categoryOf(v: Expr, wildcards: boolean): string | undefined {
  if (v.type !== 'literal' || typeof v.value !== 'string') return undefined;
  if (wildcards && /[*?]/.test(v.value)) return undefined;
  return v.value.toLowerCase();
}

/** One atom `field op literals`: the requirement it implies, or undefined when it implies none. */
function atom(field: Expr, values: Expr[], wildcards: boolean, categoryField: string): Requirement | undefined {
  if (field.type !== 'field' || values.length === 0) return undefined;
  const req: Requirement = { codes: new Set(), categories: new Set() };
  if (CODE_FIELDS.has(field.name)) {
    for (const v of values) {
      const code = codeOf(v);
      if (code === undefined || (wildcards && v.type === 'literal' && typeof v.value === 'string' && /[*?]/.test(v.value))) return undefined;
      req.codes.add(code);
    }
    return req;
  }
  if (field.name === categoryField) {
    for (const v of values) {
      const c = categoryOf(v, wildcards);
      if (c === undefined) return undefined;
      req.categories.add(c);
    }
    return req;
  }
  return undefined;
}

/** The requirement a condition being true implies, or undefined when it implies nothing usable. */
export function requirementOf(e: Expr, categoryField = 'event.category'): Requirement | undefined {
  switch (e.type) {
    case 'logical': {
      const l = requirementOf(e.left, categoryField);
      const r = requirementOf(e.right, categoryField);
      if (e.op === 'and') return l ?? r; // either side's requirement holds; one is enough
      if (!l || !r) return undefined;
      return { codes: new Set([...l.codes, ...r.codes]), categories: new Set([...l.categories, ...r.categories]) };
    }
    case 'compare': {
      if (e.op !== '==') return undefined;
      return e.left.type === 'field' ? atom(e.left, [e.right], false, categoryField) : atom(e.right, [e.left], false, categoryField);
    }
    case 'in':
      return e.negated ? undefined : atom(e.expr, e.list, false, categoryField);
    case 'match':
      // `:` and `like` compare whole values (case-insensitively); wildcards are refused above. Regexes are not read.
      return e.op === ':' || e.op === 'like' || e.op === 'like~' ? atom(e.expr, e.patterns, true, categoryField) : undefined;
    default:
      return undefined;
  }
}

function stagesOf(ast: QueryAst) {
  const q = ast.query;
  return q.type === 'event' ? [q] : [...q.stages, ...(q.until ? [q.until] : [])].map((s) => s.query);
}

/**
 * The EVTX record filter for a set of rules, or undefined when it could skip nothing safely (some stage has no
 * category and implies none, a rule reads its category from another field, coverage is wanted).
 */
export function recordFilterForRules(rules: readonly LoadedRule[], options: RecordFilterOptions): RecordFilter | undefined {
  if (options.coverage) return undefined;
  // One test per distinct stage: its category (null for `any`) and what its condition implies, if anything.
  const tests: Array<{ category: string | null; req: Requirement | undefined }> = [];
  for (const loaded of rules) {
    const categoryField = loaded.query.options.eventCategoryField;
    // Normalization writes categories to event.category; a rule reading another field may see anything.
    if (categoryField !== 'event.category') return undefined;
    let stages;
    try {
      stages = stagesOf(parseQuery(loaded.rule.query));
    } catch {
      return undefined; // a loaded rule always parses; be safe anyway
    }
    if (stages.length !== loaded.query.stages.length) return undefined;
    for (const stage of stages) {
      const req = requirementOf(stage.condition, categoryField);
      if (stage.category === null && !req) return undefined;
      tests.push({ category: stage.category, req });
    }
  }
  const stageMayUse = (provider: string, eventId: number): boolean => {
    const cats = recordCategories(provider, eventId);
    for (const { category, req } of tests) {
      if (category !== null && !cats.includes(category)) continue;
      if (!req || req.codes.has(eventId) || cats.some((c) => req.categories.has(c))) return true;
    }
    return false;
  };
  // Providers and ids repeat endlessly: one decision per pair.
  const cache = new Map<string, Map<number, boolean>>();
  return (provider: string, eventId: number): boolean => {
    // The reader reads EventID text with Number(), the decoder turns what that cannot read into 0: keep such records.
    if (!Number.isSafeInteger(eventId)) return true;
    let byId = cache.get(provider);
    if (!byId) {
      if (cache.size > 4096) cache.clear();
      byId = new Map();
      cache.set(provider, byId);
    }
    let keep = byId.get(eventId);
    if (keep === undefined) {
      keep = CONTEXT_EVENT_IDS.has(eventId) || stageMayUse(provider, eventId);
      if (byId.size < 4096) byId.set(eventId, keep);
    }
    return keep;
  };
}

// A byte-level pre-filter for ECS NDJSON: literal words that any event a rule can use must contain, checked on
// the raw line before JSON.parse. It must never change a result, so it is built conservatively:
// - Only conditions that constrain a field to literal text give words (`:`, `==`, `like`, `in`), and only from
//   fields whose text reaches the document verbatim (not ip, numeric or date fields, whose spellings vary, and
//   not host.* or registry.hive, which normalization may fill in or respell).
// - Words are runs of ASCII letters, digits, `.`, `_`, `-` and space (JSON never escapes those), compared
//   case-insensitively (so `:` and `like~` are honoured, and `==` is only loosened); hive names are left out.
// - `or` keeps a word requirement only when both sides give one; `not`, `!=`, regex and functions give none.
// - A stage with no word requirement disables the filter for everything: every line is parsed.
// - Lines that normalization would rewrite (Windows exports with `winlog`, `Channel`, `EventID`; lines with
//   are always parsed; so are lines with the words enrichment and coverage read (extra words). `\u` escapes need
//   no care: they can only hide characters outside the word alphabet, which no JSON writer escapes otherwise.
import { CONTEXT_WORDS } from '../alerts/index.js';
import type { Expr, QueryAst } from '../eql/ast.js';
import type { FieldType } from '../eql/api.js';
import { parseQuery } from '../eql/index.js';
import type { JsonLineFilter } from '../formats/index.js';
import { ecsFieldType } from '../normalize/ecs-schema.js';
import type { LoadedRule } from '../rules/types.js';

/** All clauses must hold; a clause holds when the line contains any of its words (lowercase). */
export type StageWords = string[][];

const WORD_RE = /[A-Za-z0-9._\- ]{3,}/g;
const HIVE_WORDS = new Set(['hklm', 'hkcu', 'hku', 'hkcr', 'hkcc', 'hkey_local_machine', 'hkey_users', 'hkey_current_user', 'hkey_classes_root', 'hkey_current_config', 'registry', 'machine', 'user']);
const UNSTABLE_TYPES = new Set<FieldType>(['ip', 'long', 'integer', 'short', 'byte', 'double', 'float', 'scaled_float', 'date', 'boolean']);

/** Markers of lines whose fields normalization derives (so their words may be absent from the raw text). */
const ALWAYS_PARSE = ['"winlog', '"channel"', '"eventid"', '"event_id"', '"eventtime"'];

function fieldIsVerbatim(name: string, fieldType: (f: string) => FieldType | undefined): boolean {
  if (name.startsWith('host.') || name === 'registry.hive' || name === '@timestamp') return false;
  const t = fieldType(name);
  return t === undefined || !UNSTABLE_TYPES.has(t);
}

/** The longest usable word of a pattern's literal text (wildcards split it), or undefined. */
function wordOf(text: string, wildcards: boolean): string | undefined {
  const pieces = wildcards ? text.split(/[*?]/) : [text];
  let best: string | undefined;
  for (const piece of pieces) {
    for (const m of piece.matchAll(WORD_RE)) {
      const w = m[0].trim().toLowerCase();
      if (w.length < 3 || HIVE_WORDS.has(w)) continue;
      if (best === undefined || w.length > best.length) best = w;
    }
  }
  return best;
}

/** One clause (any of these words) from a list of literal values, or undefined if any value gives no word. */
function clauseOf(values: Expr[], wildcards: boolean): string[] | undefined {
  const words: string[] = [];
  for (const v of values) {
    if (v.type !== 'literal' || typeof v.value !== 'string') return undefined;
    const w = wordOf(v.value, wildcards);
    if (w === undefined) return undefined;
    words.push(w);
  }
  return words.length > 0 ? [...new Set(words)] : undefined;
}

/** Word clauses an expression being true implies (an empty list: nothing is implied). */
function clauses(e: Expr, fieldType: (f: string) => FieldType | undefined): string[][] {
  switch (e.type) {
    case 'logical': {
      const l = clauses(e.left, fieldType);
      const r = clauses(e.right, fieldType);
      if (e.op === 'and') return [...l, ...r];
      // (L1 and L2 ...) or (R1 and R2 ...) implies (Li or Rj): keep the pair of the most selective ones.
      if (l.length === 0 || r.length === 0) return [];
      return [[...new Set([...best(l), ...best(r)])]];
    }
    case 'match': {
      if (e.expr.type !== 'field' || !fieldIsVerbatim(e.expr.name, fieldType)) return [];
      if (e.op === 'regex' || e.op === 'regex~') return [];
      const c = clauseOf(e.patterns, true);
      return c ? [c] : [];
    }
    case 'compare': {
      if (e.op !== '==') return [];
      const [field, value] = e.left.type === 'field' ? [e.left, e.right] : [e.right, e.left];
      if (field.type !== 'field' || !fieldIsVerbatim(field.name, fieldType)) return [];
      const c = clauseOf([value], false);
      return c ? [c] : [];
    }
    case 'in': {
      if (e.negated || e.expr.type !== 'field' || !fieldIsVerbatim(e.expr.name, fieldType)) return [];
      const c = clauseOf(e.list, false);
      return c ? [c] : [];
    }
    default:
      return [];
  }
}

/**
 * Words in nearly every ECS document (category and type values, the OS): poor anchors, used only when a
 * stage offers nothing else. This only steers the choice of anchors; every clause is still verified.
 */
const COMMON_WORDS = new Set(['network', 'process', 'registry', 'file', 'authentication', 'configuration', 'iam', 'start', 'end', 'change', 'creation', 'deletion', 'info', 'connection', 'protocol', 'access', 'windows', 'true', 'false']);

/** The most selective clause: no common word, then fewest alternatives, then the longest shortest word. */
function best(cs: string[][]): string[] {
  const common = (c: string[]) => (c.some((w) => COMMON_WORDS.has(w)) ? 1 : 0);
  return [...cs].sort((a, b) => common(a) - common(b) || a.length - b.length || Math.min(...b.map((w) => w.length)) - Math.min(...a.map((w) => w.length)))[0]!;
}

/** Word requirements of every stage of a query (sequence stages, until and missing stages included). */
export function stageWords(ast: QueryAst, fieldType: (f: string) => FieldType | undefined): StageWords[] {
  const q = ast.query;
  const conditions = q.type === 'event' ? [q.condition] : [...q.stages, ...(q.until ? [q.until] : [])].map((s) => s.query.condition);
  return conditions.map((c) => clauses(c, fieldType));
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Decides, per raw NDJSON line, whether it may matter. `undefined` from `createLinePrefilter` means it cannot
 * skip anything (some stage has no word requirement), and every line must be parsed.
 */
export interface LinePrefilter {
  /** True when the line (its text, any case) may be an event some rule, enrichment or coverage uses. */
  mayMatter(line: string): boolean;
  /**
   * Scans complete lines `text[from, to)` and calls `onLine(start, end)` for each line that may matter, in order
   * (end excludes the newline). Lines that cannot matter are skipped without being looked at one by one.
   */
  scan(text: string, from: number, to: number, onLine: (start: number, end: number) => void): void;
  /** The words it looks for first, for diagnostics. */
  readonly anchors: readonly string[];
}

export function createLinePrefilter(stages: StageWords[], extraWords: string[] = []): LinePrefilter | undefined {
  if (stages.length === 0 || stages.some((s) => s.length === 0)) return undefined;
  // One anchor clause per stage (the most selective); a line without any anchor word cannot match any stage.
  const anchors = new Set<string>([...ALWAYS_PARSE, ...extraWords.map((w) => w.toLowerCase())]);
  for (const s of stages) for (const w of best(s)) anchors.add(w);
  const source = [...anchors].map(escapeRe).join('|');
  const anchorRe = new RegExp(source, 'i');
  const scanRe = new RegExp(source, 'gi');
  const always = [...ALWAYS_PARSE, ...extraWords.map((w) => w.toLowerCase())];
  const alwaysSet = new Set(always);
  const verify = (line: string): boolean => {
      const lower = line.toLowerCase();
      for (const w of always) if (lower.includes(w)) return true;
      for (const s of stages) {
        let all = true;
        for (const clause of s) {
          let any = false;
          for (const w of clause) {
            if (lower.includes(w)) {
              any = true;
              break;
            }
          }
          if (!any) {
            all = false;
            break;
          }
        }
        if (all) return true;
      }
      return false;
  };
  return {
    anchors: [...anchors],
    mayMatter: (line: string) => anchorRe.test(line) && verify(line),
    scan(text: string, from: number, to: number, onLine: (start: number, end: number) => void): void {
      scanRe.lastIndex = from;
      for (;;) {
        const m = scanRe.exec(text);
        if (m === null || m.index >= to) return;
        const start = text.lastIndexOf('\n', m.index) + 1;
        let end = text.indexOf('\n', m.index);
        if (end === -1 || end > to) end = to;
        // An always-parse word found first settles it without looking at the rest of the line.
        if (alwaysSet.has(m[0].toLowerCase()) || verify(text.slice(start, end))) onLine(start, end);
        if (end >= to) return;
        scanRe.lastIndex = end + 1;
      }
    },
  };
}

/**
 * The pre-filter for a set of rules, as the JSON reader takes it (it counts skipped lines in `skipped`), or
 * undefined when some stage of some rule gives no word to look for (then every line must be parsed).
 * Enrichment's own words are added, so that every event an alert's context could use is still read.
 */
export function prefilterForRules(rules: readonly LoadedRule[]): (JsonLineFilter & { anchors: readonly string[] }) | undefined {
  const stages: StageWords[] = [];
  for (const r of rules) {
    try {
      stages.push(...stageWords(parseQuery(r.rule.query), ecsFieldType));
    } catch {
      return undefined; // a rule that loaded always parses; be safe anyway
    }
  }
  const filter = createLinePrefilter(stages, [...CONTEXT_WORDS]);
  if (!filter) return undefined;
  return { scan: (text, from, to, onLine) => filter.scan(text, from, to, onLine), skipped: 0, anchors: filter.anchors };
}

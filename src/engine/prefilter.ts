// A byte-level pre-filter for ECS NDJSON: literal words that any event a rule can use must contain, checked on
// the raw line before JSON.parse. It must never change a result, so it is built conservatively:
// - Only conditions that constrain a field to literal text give words (`:`, `==`, `like`, `in`), and only from
//   fields whose text reaches the document verbatim (not ip, numeric or date fields, whose spellings vary, and
//   not host.* or registry.hive, which normalization may fill in or respell).
// - Words are runs of ASCII letters, digits, `.`, `_`, `-` and space (JSON never escapes those), compared
//   case-insensitively (so `:` and `like~` are honoured, and `==` is only loosened); hive names are left out.
// - `or` keeps a word requirement only when both sides give one; `not`, `!=`, regex and functions give none.
// - A stage with no word requirement disables the filter for everything: every line is parsed.
// - An exact all-digit value (`event.code : "4624"`) and enrichment's event ids need that number standing alone
//   (`"4624"` or `4624`, not `54624`); `numberAt` lets through every spelling `Number()` reads as that value.
// - Lines that normalization would rewrite (flat exports with an `EventID` key, Winlogbeat with `winlog`) are
//   always parsed; so are lines with the words enrichment reads (extra words). `\u` escapes need no care: they
//   can only hide characters outside the word alphabet, which no JSON writer escapes otherwise.
// - Case folds as EQL folds it for ASCII words: ASCII letters, and the Kelvin sign as `k`.
// - A line whose words fit only the first stages of sequences that sequence-pruning.ts can check on raw text
//   (and no always-parse word) is reported as held, tagged with the stages it fits: the reader keeps it undecoded
//   for later.
import { CONTEXT_WORDS } from '../alerts/index.js';
import type { Expr, QueryAst } from '../eql/ast.js';
import type { FieldType } from '../eql/api.js';
import { parseQuery } from '../eql/index.js';
import type { JsonLineFilter } from '../formats/index.js';
import { ecsFieldType } from '../normalize/ecs-schema.js';
import type { LoadedRule } from '../rules/types.js';
import { heldLineKeys, heldRuleBit } from './sequence-pruning.js';

/**
 * All clauses must hold; a clause holds when the line contains any of its words. A word is lowercase text, or
 * `#` and digits: that number standing alone (see `numberAt`), as an exact value must appear in JSON.
 */
export type StageWords = string[][];

const WORD_RE = /[A-Za-z0-9._\- ]{3,}/g;
const HIVE_WORDS = new Set(['hklm', 'hkcu', 'hku', 'hkcr', 'hkcc', 'hkey_local_machine', 'hkey_users', 'hkey_current_user', 'hkey_classes_root', 'hkey_current_config', 'registry', 'machine', 'user']);
const UNSTABLE_TYPES = new Set<FieldType>(['ip', 'long', 'integer', 'short', 'byte', 'double', 'float', 'scaled_float', 'date', 'boolean']);

/**
 * Markers of lines whose fields normalization derives (so their words may be absent from the raw text): flat
 * exports need a top-level `EventID` key, Winlogbeat mapping a `winlog` object (nested or dotted keys).
 */
const ALWAYS_PARSE = ['"winlog', '"EventID"'];
/**
 * The key a field's value stands under in the raw line, for fields whose words are numbers: as anchors, numbers
 * cost more than anything else (digits are everywhere in JSON), while the key is rare. A document normalization
 * could derive `event.code` for is always parsed (winlog, flat exports), so the value is there with its key,
 * nested (`"code":`) or dotted (`"event.code":`): the marker is the key's end, quote included.
 */
const KEY_MARKERS: Readonly<Record<string, string>> = { 'event.code': 'code"' };
/**
 * Words compared as written: normalization reads these keys as JavaScript does, case-sensitively, so a line
 * spelling them in another case is not rewritten. A case-sensitive regex finds them several times faster.
 */
const EXACT = new Set([...ALWAYS_PARSE, ...Object.values(KEY_MARKERS)]);

function fieldIsVerbatim(name: string, fieldType: (f: string) => FieldType | undefined): boolean {
  if (name.startsWith('host.') || name === 'registry.hive' || name === '@timestamp') return false;
  const t = fieldType(name);
  return t === undefined || !UNSTABLE_TYPES.has(t);
}

/** Every usable word of a pattern's literal text (wildcards split it), longest first. */
function wordsOf(text: string, wildcards: boolean): string[] {
  const pieces = wildcards ? text.split(/[*?]/) : [text];
  const words = new Set<string>();
  for (const piece of pieces) {
    for (const m of piece.matchAll(WORD_RE)) {
      const w = m[0].trim().toLowerCase();
      if (w.length >= 3 && !HIVE_WORDS.has(w)) words.add(w);
    }
  }
  // An exact value (no wildcard) that is all digits is that number standing alone in the JSON text.
  if (words.size === 1 && words.has(text) && /^[0-9]+$/.test(text) && !(wildcards && /[*?]/.test(text))) return [`#${text}`];
  return [...words].sort((a, b) => b.length - a.length);
}

/**
 * Clauses from a list of literal values, or undefined if any value gives no word: one value gives one clause per
 * word (a line must hold them all), several give one clause with the longest word of each (any of them).
 */
function clausesOf(values: Expr[], wildcards: boolean): string[][] | undefined {
  const words: string[][] = [];
  for (const v of values) {
    if (v.type !== 'literal' || typeof v.value !== 'string') return undefined;
    const w = wordsOf(v.value, wildcards);
    if (w.length === 0) return undefined;
    words.push(w);
  }
  if (words.length === 0) return undefined;
  if (words.length === 1) return words[0]!.map((w) => [w]);
  return [[...new Set(words.map((w) => w[0]!))]];
}

/** A field's clauses, and its key marker (`KEY_MARKERS`) as one more when a word is a number standing alone. */
function keyed(field: string, cs: string[][] | undefined): string[][] {
  if (cs === undefined) return [];
  const marker = KEY_MARKERS[field];
  return marker !== undefined && cs.some((c) => c.some(isNumber)) ? [...cs, [marker]] : cs;
}

const isNumber = (w: string): boolean => w.charCodeAt(0) === 35; /* # */

/** Most clauses an `or` of two conjunctions gives (one per pair of their clauses). */
const MAX_OR_PAIRS = 32;

/** Word clauses an expression being true implies (an empty list: nothing is implied). */
function clauses(e: Expr, fieldType: (f: string) => FieldType | undefined): string[][] {
  switch (e.type) {
    case 'logical': {
      const l = clauses(e.left, fieldType);
      const r = clauses(e.right, fieldType);
      if (e.op === 'and') return [...l, ...r];
      // (L1 and L2 ...) or (R1 and R2 ...) implies (Li or Rj) for every pair: all of them while they are few
      // (so that `event.code == "4698" or ...` still needs the number, not only its key), else the pair of the
      // most selective ones.
      if (l.length === 0 || r.length === 0) return [];
      if (l.length * r.length > MAX_OR_PAIRS) return [[...new Set([...best(l), ...best(r)])]];
      return l.flatMap((a) => r.map((b) => [...new Set([...a, ...b])]));
    }
    case 'match': {
      if (e.expr.type !== 'field' || !fieldIsVerbatim(e.expr.name, fieldType)) return [];
      if (e.op === 'regex' || e.op === 'regex~') return [];
      return keyed(e.expr.name, clausesOf(e.patterns, true));
    }
    case 'compare': {
      if (e.op !== '==') return [];
      const [field, value] = e.left.type === 'field' ? [e.left, e.right] : [e.right, e.left];
      if (field.type !== 'field' || !fieldIsVerbatim(field.name, fieldType)) return [];
      return keyed(field.name, clausesOf([value], false));
    }
    case 'in': {
      if (e.negated || e.expr.type !== 'field' || !fieldIsVerbatim(e.expr.name, fieldType)) return [];
      return keyed(e.expr.name, clausesOf(e.list, false));
    }
    default:
      return [];
  }
}

/**
 * Words in nearly every ECS document (category and type values, the OS): poor anchors, used only when a
 * stage offers nothing else. This only steers the choice of anchors; every clause is still verified.
 */
const COMMON_WORDS = new Set(['network', 'process', 'registry', 'file', 'authentication', 'configuration', 'iam', 'start', 'end', 'change', 'creation', 'deletion', 'info', 'connection', 'protocol', 'access', 'windows', 'true', 'false',
  // Path words of most registry and file events.
  'software', 'microsoft', 'currentversion', 'windows nt', 'system32', 'program files', 'users', 'appdata']);

/**
 * Orders clauses most selective first: no common word, no number (the costliest anchors), then fewest
 * alternatives, then the longest shortest word.
 */
function rank(a: string[], b: string[]): number {
  const common = (c: string[]) => (c.some((w) => COMMON_WORDS.has(w)) ? 1 : 0);
  const numeric = (c: string[]) => (c.some(isNumber) ? 1 : 0);
  const shortest = (c: string[]) => Math.min(...c.map((w) => core(w).length));
  return common(a) - common(b) || numeric(a) - numeric(b) || a.length - b.length || shortest(b) - shortest(a);
}

/** The most selective clause. */
function best(cs: string[][]): string[] {
  return [...cs].sort(rank)[0]!;
}

/** Word requirements of every stage of a query (sequence stages, until and missing stages included). */
export function stageWords(ast: QueryAst, fieldType: (f: string) => FieldType | undefined): StageWords[] {
  const q = ast.query;
  const conditions = q.type === 'event' ? [q.condition] : [...q.stages, ...(q.until ? [q.until] : [])].map((s) => s.query.condition);
  const unique = (cs: string[][]) => [...new Map(cs.map((c) => [JSON.stringify(c), c])).values()];
  return conditions.map((c) => unique(clauses(c, fieldType)));
}

/** The text a word looks for: without `#` (a standing-alone number) and without the quotes of key markers. */
const core = (w: string): string => w.replace(/^#/, '').replace(/^"+|"+$/g, '');

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/**
 * Whether digits at `text[at, end)` stand alone as a number within `[lo, hi)`, loosely enough that every
 * spelling `Number()` reads as that value still passes: leading zeros (`04624`), `\uXXXX` escapes right before
 * (escaped whitespace `Number` trims), a fraction, or an exponent that could scale longer digits back (`46240e-1`).
 * `54624` and `46241` do not pass. Both letter cases are accepted, so it reads the same on lowercased text.
 */
function numberAt(text: string, at: number, end: number, lo: number, hi: number): boolean {
  let i = at - 1;
  while (i >= lo && text.charCodeAt(i) === 48) i--;
  if (i >= lo && isDigit(text.charCodeAt(i))) {
    // Digits before: fine only if they end a `\uXXXX` escape (followed by nothing but zeros).
    let escaped = false;
    for (let j = at - 1; j >= i && !escaped; j--) {
      const u = text.charCodeAt(j - 4);
      escaped = j - 5 >= lo && text.charCodeAt(j - 5) === 92 && (u === 117 || u === 85);
    }
    if (!escaped) return false;
  }
  if (end >= hi || !isDigit(text.charCodeAt(end))) return true;
  // Digits after: a different number unless an exponent follows (after any fraction).
  let k = end;
  while (k < hi && isDigit(text.charCodeAt(k))) k++;
  if (k < hi && text.charCodeAt(k) === 46) for (k++; k < hi && isDigit(text.charCodeAt(k)); k++);
  return k < hi && (text.charCodeAt(k) | 32) === 101;
}

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A word's literal text as a regex source: case-insensitive with the `i` flag, and `k` also the Kelvin sign. */
const wordSource = (text: string): string => escapeRegex(text).replace(/k/g, '[k\\u212A]');

/**
 * Whether a line (any case) holds a word, as the EQL engine folds case for ASCII words (ASCII letters, and the
 * Kelvin sign as `k`; the `i` flag folds nothing else onto ASCII). One compiled test per word.
 */
function holder(w: string): (line: string) => boolean {
  if (EXACT.has(w)) return (line) => line.includes(w);
  if (w.charCodeAt(0) !== 35 /* # */) {
    const re = new RegExp(wordSource(w), 'i');
    return (line) => re.test(line);
  }
  const digits = w.slice(1);
  return (line) => {
    for (let at = line.indexOf(digits); at !== -1; at = line.indexOf(digits, at + 1)) {
      if (numberAt(line, at, at + digits.length, 0, line.length)) return true;
    }
    return false;
  };
}

/** Whether anchor `w` occurs at `text[at]` within `[lo, hi)`, compared as `holder` does. */
function wordAt(text: string, at: number, w: string, lo: number, hi: number): boolean {
  if (EXACT.has(w)) return at >= lo && at + w.length <= hi && text.startsWith(w, at);
  const bounded = w.charCodeAt(0) === 35;
  const from = bounded ? 1 : 0;
  const end = at + w.length - from;
  if (at < lo || end > hi) return false;
  for (let i = from, j = at; j < end; i++, j++) {
    let c = text.charCodeAt(j);
    if (c >= 65 && c <= 90) c += 32;
    else if (c === 0x212a) c = 107;
    if (c !== w.charCodeAt(i)) return false;
  }
  return !bounded || numberAt(text, at, end, lo, hi);
}

/** A word `a` that is in every line holding word `w`. */
function implies(w: string, a: string): boolean {
  if (a.startsWith('#')) return w === a;
  return w.replace(/^#/, '').includes(a);
}

/** Whether a line holds every word clause the first stage of a rule needs (true when it gives none). */
export function firstStageWords(rule: LoadedRule): (line: string) => boolean {
  const stage = (stageWords(parseQuery(rule.rule.query), ecsFieldType)[0] ?? []).map((clause) => clause.map(holder));
  return (line) => stage.every((clause) => clause.some((holds) => holds(line)));
}

/** One regex finding the cores of some anchors (case-insensitive; `k` also matches the Kelvin sign). */
interface Group {
  /** Where the next hit of one of the words is at or after `pos` (-1: none). */
  find(text: string, pos: number): number;
  /** Anchor words, with how many quote characters precede their core and whether a hit settles the line. */
  words: Array<{ word: string; lead: number; always: boolean }>;
}

/** A group of anchors found by one regex: case-insensitive, or for `EXACT` words as written. */
function group(words: Array<{ word: string; always: boolean }>, exact = false): Group {
  const cores = [...new Set(words.map((w) => core(w.word)))];
  const re = exact ? new RegExp(cores.map(escapeRegex).join('|'), 'g') : new RegExp(cores.map(wordSource).join('|'), 'gi');
  return {
    find(text, pos) {
      re.lastIndex = pos;
      const m = re.exec(text);
      return m === null ? -1 : m.index;
    },
    words: words.map(({ word, always }) => ({ word, always, lead: word.startsWith('#') ? 0 : word.length - word.replace(/^"+/, '').length })),
  };
}

/**
 * Decides, per raw NDJSON line, whether it may matter. `undefined` from `createLinePrefilter` means it cannot
 * skip anything (some stage has no word requirement), and every line must be parsed.
 */
export interface LinePrefilter {
  /** True when the line (its text, any case) may be an event some rule, enrichment or coverage uses. */
  mayMatter(line: string): boolean;
  /**
   * What to do with a line: 'skip' it (`mayMatter` is false), 'parse' it, or 'hold' it undecoded because it can
   * only be the first stage of a sequence the caller prunes (the `holdTags` stages), so that it is decoded only
   * if the later stages' join keys turn out to need it (sequence-pruning.ts).
   */
  decide(line: string): 'skip' | 'parse' | 'hold';
  /** For a line `decide` holds, the tags of every holdable stage whose words it holds, or-ed (else 0). */
  holdTag(line: string): number;
  /**
   * Scans lines `text[from, to)` and calls `onLine(start, end, hold)` for each line that may matter, in order (end
   * excludes the newline; the first and last line are cut at `from` and `to`). Lines that cannot matter are
   * skipped without being looked at one by one. Exactly the lines `decide` does not skip, `hold` being their
   * `holdTag` (0: parse it).
   */
  scan(text: string, from: number, to: number, onLine: (start: number, end: number, hold: number) => void): void;
  /** The words it looks for first, for diagnostics. */
  readonly anchors: readonly string[];
}

/** What `verify` says of a line: skip it, parse it, or (a positive number) hold it with that tag. */
const SKIP = 0;
const PARSE = -1;

/**
 * `holdTags[i]` (a non-zero bit set): stage i is the first stage of a sequence whose first-stage-only lines may be
 * held (a line whose words fit no other stage, and no always-parse word, is then held rather than parsed, tagged
 * with the tags of the holdable stages it fits, so that its holder knows which sequences it may start).
 */
export function createLinePrefilter(stages: StageWords[], extraWords: string[] = [], holdTags: readonly number[] = []): LinePrefilter | undefined {
  if (stages.length === 0 || stages.some((s) => s.length === 0)) return undefined;
  const always = [...new Set([...ALWAYS_PARSE, ...extraWords.map((w) => w.toLowerCase())])];
  // Anchors: the always-parse words, and for each stage a clause every word of which implies an anchor (one
  // already there, else the stage's most selective clause is added). A line that may matter holds an anchor.
  const anchors = [...always];
  const covered = (s: string[][], among = anchors) => s.some((clause) => clause.every((w) => among.some((a) => implies(w, a))));
  for (const s of stages) if (!covered(s)) for (const w of best(s)) if (!anchors.includes(w)) anchors.push(w);
  // A stage's anchors may turn out needless once a later stage's are in (an `event.code` key marker covers
  // every stage with a number): each anchor costs a search of all the text, so those are left out again.
  for (let i = anchors.length - 1; i >= always.length; i--) {
    const without = anchors.filter((_, j) => j !== i);
    if (stages.every((s) => covered(s, without))) anchors.splice(i, 1);
  }
  const alwaysSet = new Set(always);
  // What verify checks: each distinct stage once (holdable only if every copy is, its tag all of theirs), its most
  // selective clause first so that most lines fail it on the first look.
  const distinct = new Map<string, { clauses: string[][]; tag: number }>();
  stages.forEach((clauses, i) => {
    const key = JSON.stringify(clauses);
    const seen = distinct.get(key);
    const tag = holdTags[i] ?? 0;
    if (seen) seen.tag = seen.tag !== 0 && tag !== 0 ? seen.tag | tag : 0;
    else distinct.set(key, { clauses: [...clauses].sort((a, b) => rank(a, b)), tag });
  });
  // Stages share words (the `event.code` key marker is in a dozen): each word is looked for once per line, its
  // answer kept under the line's number (`seen`).
  const wordIds = new Map<string, number>();
  const idOf = (w: string): number => wordIds.get(w) ?? wordIds.set(w, wordIds.size).get(w)!;
  const checks = [...distinct.values()]
    .sort((a, b) => Number(a.tag !== 0) - Number(b.tag !== 0))
    .map(({ clauses, tag }) => ({ tag, clauses: clauses.map((clause) => clause.map(idOf)) }));
  const holders = [...wordIds.keys()].map(holder);
  /** Per word: the number of the line it was last looked for in, and whether that line held it. */
  const seen = new Float64Array(holders.length).fill(-1);
  const held = new Uint8Array(holders.length);
  let lineNo = 0;
  let current = '';
  /** Whether the line `verifyStages` looks at holds word `w`. */
  const holds = (w: number): boolean => {
    if (seen[w] !== lineNo) {
      seen[w] = lineNo;
      held[w] = holders[w]!(current) ? 1 : 0;
    }
    return held[w] === 1;
  };
  const alwaysHolds = always.map(holder);
  // One pass for "any always-parse word here?" before looking for each (most lines have none).
  const alwaysRe = new RegExp(always.map((w) => wordSource(core(w))).join('|'), 'i');
  /** SKIP: no stage's words hold; PARSE; else only holdable stages' words hold (and no always-parse word): their tags. */
  const verify = (line: string): number => {
    if (alwaysRe.test(line)) for (const holds of alwaysHolds) if (holds(line)) return PARSE;
    return verifyStages(line);
  };
  /** `verify` for a line known to hold no always-parse word. */
  const verifyStages = (line: string): number => {
    lineNo++;
    current = line;
    const v = verifyCurrent();
    current = ''; // a line cut from a piece of text keeps all of it alive
    return v;
  };
  const verifyCurrent = (): number => {
    let tag = 0;
    // The holdable ones come last: once one holds, the others only add to the tag.
    for (let i = 0; i < checks.length; i++) {
      const check = checks[i]!;
      let all = true;
      for (const clause of check.clauses) {
        let any = false;
        for (const w of clause) {
          if (holds(w)) {
            any = true;
            break;
          }
        }
        if (!any) {
          all = false;
          break;
        }
      }
      if (!all) continue;
      if (check.tag === 0) return PARSE;
      tag |= check.tag;
    }
    return tag === 0 ? SKIP : tag;
  };
  // A few regexes instead of one alternation of all anchors: V8 skips ahead (Boyer-Moore) through text only for
  // a regex whose alternatives share few characters per position. The key markers (case-sensitive), numbers, the
  // other always-parse words and stage words make four such sets; a key marker's quotes are checked after a hit
  // (a `"` in the regex makes it slow: it is in every few bytes of JSON).
  const tagged = anchors.map((word) => ({ word, always: alwaysSet.has(word) }));
  const numeric = (w: string) => /^[0-9]+$/.test(core(w));
  const exact = tagged.filter((a) => EXACT.has(a.word));
  const fuzzy = tagged.filter((a) => !EXACT.has(a.word));
  const groups = [
    ...(exact.length > 0 ? [group(exact, true)] : []),
    ...[fuzzy.filter((a) => numeric(a.word)), fuzzy.filter((a) => !numeric(a.word) && a.always), fuzzy.filter((a) => !numeric(a.word) && !a.always)].filter((g) => g.length > 0).map((g) => group(g)),
  ];
  /** 0: no anchor at `at` (a regex hit of group `g`); 1: an anchor; 2: an always-parse word. */
  const hitAt = (g: Group, text: string, at: number, lo: number, hi: number): 0 | 1 | 2 => {
    let hit: 0 | 1 | 2 = 0;
    for (const w of g.words) if (wordAt(text, at - w.lead, w.word, lo, hi)) hit = w.always ? 2 : hit === 2 ? 2 : 1;
    return hit;
  };
  const hasAlways = groups.map((g) => g.words.some((w) => w.always));
  const next: number[] = groups.map(() => 0);
  return {
    anchors,
    mayMatter: (line: string) => verify(line) !== SKIP,
    decide: (line: string) => {
      const v = verify(line);
      return v === SKIP ? 'skip' : v === PARSE ? 'parse' : 'hold';
    },
    holdTag: (line: string) => Math.max(0, verify(line)),
    scan(text: string, from: number, to: number, onLine: (start: number, end: number, hold: number) => void): void {
      const find = (g: number, pos: number): void => {
        const at = groups[g]!.find(text, pos);
        next[g] = at === -1 || at >= to ? Infinity : at;
      };
      for (let g = 0; g < groups.length; g++) find(g, from);
      for (;;) {
        // The earliest hit of any group.
        let g = 0;
        for (let k = 1; k < groups.length; k++) if (next[k]! < next[g]!) g = k;
        const at = next[g]!;
        if (at === Infinity) return;
        const start = Math.max(from, text.lastIndexOf('\n', at) + 1);
        let end = text.indexOf('\n', at);
        if (end === -1 || end > to) end = to;
        const hit = hitAt(groups[g]!, text, at, start, end);
        if (hit === 0) {
          // Not an anchor after all (a longer number, a key marker without its quotes, cut at `to`).
          find(g, at + 1);
          continue;
        }
        // An always-parse word settles it without looking at the rest of the line. Every group's next hit is at or
        // after this line's start, so the always-parse words in it are among the groups' hits before its end.
        let always = hit === 2;
        for (let k = 0; k < groups.length && !always; k++) {
          if (!hasAlways[k]) continue;
          const group = groups[k]!;
          for (let p = k === g ? group.find(text, at + 1) : next[k]!; p !== -1 && p < end; p = group.find(text, p + 1)) {
            if (hitAt(group, text, p, start, end) === 2) {
              always = true;
              break;
            }
          }
        }
        const v = always ? PARSE : verifyStages(text.slice(start, end));
        if (v !== SKIP) onLine(start, end, v === PARSE ? 0 : v);
        if (end >= to) return;
        for (let k = 0; k < groups.length; k++) if (next[k]! <= end) find(k, end + 1);
      }
    },
  };
}

/**
 * The pre-filter for a set of rules, as the JSON reader takes it (it counts skipped lines in `skipped`), or
 * undefined when some stage of some rule gives no word to look for (then every line must be parsed).
 * Enrichment's own words are added, so that every event an alert's context could use is still read. With `hold`,
 * lines that can only be the first stage of a sequence with a `heldLineKeys` key are held undecoded.
 */
export function prefilterForRules(rules: readonly LoadedRule[], options: { hold?: boolean } = {}): (JsonLineFilter & { anchors: readonly string[] }) | undefined {
  const stages: StageWords[] = [];
  const holdTags: number[] = [];
  const lineKeys = options.hold ? heldLineKeys(rules) : [];
  for (let r = 0, k = 0; r < rules.length; r++) {
    try {
      const words = stageWords(parseQuery(rules[r]!.rule.query), ecsFieldType);
      // A rule with a held-line key: its first stage is holdable, tagged with the rule's bit (the k-th such rule).
      const tag = lineKeys[r] !== undefined ? heldRuleBit(k++) : 0;
      words.forEach((_, i) => holdTags.push(i === 0 ? tag : 0));
      stages.push(...words);
    } catch {
      return undefined; // a rule that loaded always parses; be safe anyway
    }
  }
  // Enrichment's needs: one word settles a line (always parsed); several must all be there, as a stage's.
  for (const words of CONTEXT_WORDS.filter((w) => w.length > 1)) {
    stages.push(words.map((w) => [w]));
    holdTags.push(0);
  }
  const always = CONTEXT_WORDS.filter((w) => w.length === 1).map((w) => w[0]!);
  const filter = createLinePrefilter(stages, always, holdTags);
  if (!filter) return undefined;
  return { scan: (text, from, to, onLine) => filter.scan(text, from, to, onLine), skipped: 0, anchors: filter.anchors };
}

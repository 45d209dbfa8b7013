// `regex` / `regex~` with Elasticsearch's (Lucene RegExp) syntax, compiled to a Thompson NFA of our own and
// run by state-set simulation: time O(input × pattern), never exponential, so a rule's regex cannot hang.
// Lucene regexes are anchored (the whole value must match). Supported: | concatenation ( ) . [ ] [^ ] ranges,
// * + ? {n} {n,} {n,m}, "quoted", \ escapes, \d \D \s \S \w \W, @ (any string), # (empty language),
// <n-m> numeric intervals. Not supported (reported as errors): ~ complement, & intersection, <name>.
import { foldCode } from './wildcard.js';

export class RegexSyntaxError extends Error {
  constructor(message: string, readonly index: number) {
    super(message);
  }
}

const MAX_STATES = 20_000;

/** A set of code ranges, optionally negated. */
interface CharSet {
  ranges: number[]; // lo0, hi0, lo1, hi1...
  negated: boolean;
}

const DIGIT: number[] = [48, 57];
const SPACE: number[] = [9, 13, 32, 32];
const WORD: number[] = [48, 57, 65, 90, 95, 95, 97, 122];

function inSet(set: CharSet, c: number): boolean {
  const r = set.ranges;
  let hit = false;
  for (let i = 0; i < r.length; i += 2) {
    if (c >= r[i]! && c <= r[i + 1]!) {
      hit = true;
      break;
    }
  }
  return hit !== set.negated;
}

// NFA: state kinds.
const K_SET = 0;
const K_SPLIT = 1;
const K_MATCH = 2;
const K_EPS = 3;

interface Frag {
  start: number;
  /** States whose dangling out must be patched (encoded state*2 + which). */
  outs: number[];
}

class Builder {
  kind: number[] = [];
  out1: number[] = [];
  out2: number[] = [];
  sets: (CharSet | null)[] = [];

  state(kind: number, set: CharSet | null = null): number {
    if (this.kind.length >= MAX_STATES) throw new RegexSyntaxError('regex is too large', 0);
    this.kind.push(kind);
    this.out1.push(-1);
    this.out2.push(-1);
    this.sets.push(set);
    return this.kind.length - 1;
  }
  patch(outs: number[], to: number): void {
    for (const o of outs) {
      if (o & 1) this.out2[o >> 1] = to;
      else this.out1[o >> 1] = to;
    }
  }
  charFrag(set: CharSet): Frag {
    const s = this.state(K_SET, set);
    return { start: s, outs: [s * 2] };
  }
  empty(): Frag {
    const s = this.state(K_EPS);
    return { start: s, outs: [s * 2] };
  }
  nothing(): Frag {
    // A set that matches no character: the empty language.
    return this.charFrag({ ranges: [], negated: false });
  }
  concat(a: Frag, b: Frag): Frag {
    this.patch(a.outs, b.start);
    return { start: a.start, outs: b.outs };
  }
  alt(a: Frag, b: Frag): Frag {
    const s = this.state(K_SPLIT);
    this.out1[s] = a.start;
    this.out2[s] = b.start;
    return { start: s, outs: [...a.outs, ...b.outs] };
  }
  star(a: Frag): Frag {
    const s = this.state(K_SPLIT);
    this.out1[s] = a.start;
    this.patch(a.outs, s);
    return { start: s, outs: [s * 2 + 1] };
  }
  opt(a: Frag): Frag {
    const s = this.state(K_SPLIT);
    this.out1[s] = a.start;
    return { start: s, outs: [...a.outs, s * 2 + 1] };
  }
}

/** Regex AST (so repetition can clone sub-expressions). */
type RNode =
  | { t: 'set'; set: CharSet }
  | { t: 'seq'; items: RNode[] }
  | { t: 'alt'; items: RNode[] }
  | { t: 'rep'; node: RNode; min: number; max: number } // max -1 = unbounded
  | { t: 'empty' }
  | { t: 'none' };

class RegexParser {
  i = 0;
  constructor(readonly s: string) {}
  fail(msg: string, at = this.i): never {
    throw new RegexSyntaxError(msg, at);
  }
  peek(): number {
    return this.i < this.s.length ? this.s.codePointAt(this.i)! : -1;
  }
  take(): number {
    const c = this.s.codePointAt(this.i)!;
    this.i += c > 0xffff ? 2 : 1;
    return c;
  }
  parse(): RNode {
    const n = this.union();
    if (this.i < this.s.length) this.fail(`unexpected '${this.s[this.i]}'`);
    return n;
  }
  union(): RNode {
    const items = [this.inter()];
    while (this.peek() === 124 /* | */) {
      this.i++;
      items.push(this.inter());
    }
    return items.length === 1 ? items[0]! : { t: 'alt', items };
  }
  inter(): RNode {
    const n = this.concat();
    if (this.peek() === 38 /* & */) this.fail("intersection '&' is not supported");
    return n;
  }
  concat(): RNode {
    const items: RNode[] = [];
    while (this.i < this.s.length) {
      const c = this.peek();
      if (c === 124 || c === 41 /* ) */ || c === 38) break;
      items.push(this.repeat());
    }
    if (items.length === 0) return { t: 'empty' };
    return items.length === 1 ? items[0]! : { t: 'seq', items };
  }
  repeat(): RNode {
    let n = this.complement();
    while (true) {
      const c = this.peek();
      if (c === 42) { this.i++; n = { t: 'rep', node: n, min: 0, max: -1 }; }
      else if (c === 43) { this.i++; n = { t: 'rep', node: n, min: 1, max: -1 }; }
      else if (c === 63) { this.i++; n = { t: 'rep', node: n, min: 0, max: 1 }; }
      else if (c === 123 /* { */) {
        const at = this.i;
        const m = /^\{(\d{1,4})(,(\d{0,4}))?\}/.exec(this.s.slice(this.i));
        if (!m) this.fail("malformed repetition, expected {n}, {n,} or {n,m}", at);
        this.i += m[0].length;
        const min = Number(m[1]);
        const max = m[2] === undefined ? min : m[3] === '' ? -1 : Number(m[3]);
        if (max !== -1 && max < min) this.fail('repetition maximum is below its minimum', at);
        n = { t: 'rep', node: n, min, max };
      } else break;
    }
    return n;
  }
  complement(): RNode {
    if (this.peek() === 126 /* ~ */) this.fail("complement '~' is not supported");
    return this.simple();
  }
  escapeClass(c: number): CharSet | null {
    switch (c) {
      case 100: return { ranges: DIGIT, negated: false }; // \d
      case 68: return { ranges: DIGIT, negated: true }; // \D
      case 115: return { ranges: SPACE, negated: false }; // \s
      case 83: return { ranges: SPACE, negated: true }; // \S
      case 119: return { ranges: WORD, negated: false }; // \w
      case 87: return { ranges: WORD, negated: true }; // \W
      default: return null;
    }
  }
  simple(): RNode {
    const at = this.i;
    const c = this.take();
    switch (c) {
      case 46: return { t: 'set', set: { ranges: [], negated: true } }; // .
      case 64: return { t: 'rep', node: { t: 'set', set: { ranges: [], negated: true } }, min: 0, max: -1 }; // @
      case 35: return { t: 'none' }; // #
      case 34: { // "literal"
        const close = this.s.indexOf('"', this.i);
        if (close < 0) this.fail('unterminated quoted string', at);
        const lit = this.s.slice(this.i, close);
        this.i = close + 1;
        return { t: 'seq', items: [...lit].map((ch) => lit1(ch.codePointAt(0)!)) };
      }
      case 40: { // (
        if (this.peek() === 41) {
          this.i++;
          return { t: 'empty' };
        }
        const n = this.union();
        if (this.peek() !== 41) this.fail("missing ')'", at);
        this.i++;
        return n;
      }
      case 91: return { t: 'set', set: this.charClass(at) };
      case 60: { // <n-m>
        const m = /^(\d+)-(\d+)>/.exec(this.s.slice(this.i));
        if (!m) this.fail("named automata '<name>' are not supported, only numeric intervals <n-m>", at);
        this.i += m[0].length;
        return interval(m[1]!, m[2]!, at);
      }
      case 92: { // \
        if (this.i >= this.s.length) this.fail('dangling backslash', at);
        const e = this.take();
        const cls = this.escapeClass(e);
        return cls ? { t: 'set', set: cls } : lit1(e);
      }
      case 41: this.fail("unbalanced ')'", at);
      case 42: case 43: case 63: case 123: this.fail(`nothing to repeat before '${String.fromCharCode(c)}'`, at);
      default: return lit1(c);
    }
  }
  charClass(at: number): CharSet {
    const negated = this.peek() === 94;
    if (negated) this.i++;
    const ranges: number[] = [];
    let first = true;
    while (true) {
      if (this.i >= this.s.length) this.fail("unterminated character class, missing ']'", at);
      const c = this.peek();
      if (c === 93 && !first) {
        this.i++;
        break;
      }
      first = false;
      let lo = this.classChar(ranges);
      if (lo < 0) continue;
      if (this.peek() === 45 /* - */ && this.s[this.i + 1] !== ']' && this.i + 1 < this.s.length) {
        this.i++;
        const hi = this.classChar(null);
        if (hi < lo) this.fail('character range is out of order', at);
        ranges.push(lo, hi);
      } else ranges.push(lo, lo);
    }
    return { ranges, negated };
  }
  /** One char of a class; -1 when it was a \d-like class (already added to `into`). */
  classChar(into: number[] | null): number {
    const c = this.take();
    if (c !== 92) return c;
    if (this.i >= this.s.length) this.fail('dangling backslash');
    const e = this.take();
    const cls = this.escapeClass(e);
    if (cls) {
      if (!into || cls.negated) this.fail('negated or ranged class escapes are not supported inside [ ]');
      into.push(...cls.ranges);
      return -1;
    }
    return e;
  }
}

function lit1(c: number): RNode {
  return { t: 'set', set: { ranges: [c, c], negated: false } };
}

function interval(a: string, b: string, at: number): RNode {
  let lo = Number(a);
  let hi = Number(b);
  if (lo > hi) [lo, hi] = [hi, lo];
  if (hi - lo > 2000) throw new RegexSyntaxError('numeric interval is too wide (more than 2000 values)', at);
  const width = a.length === b.length ? b.length : 0;
  const items: RNode[] = [];
  for (let v = lo; v <= hi; v++) {
    const text = width ? String(v).padStart(width, '0') : String(v);
    items.push({ t: 'seq', items: [...text].map((ch) => lit1(ch.charCodeAt(0))) });
  }
  return { t: 'alt', items };
}

function build(b: Builder, n: RNode): Frag {
  switch (n.t) {
    case 'set': return b.charFrag(n.set);
    case 'empty': return b.empty();
    case 'none': return b.nothing();
    case 'seq': {
      let f = build(b, n.items[0]!);
      for (let i = 1; i < n.items.length; i++) f = b.concat(f, build(b, n.items[i]!));
      return f;
    }
    case 'alt': {
      let f = build(b, n.items[0]!);
      for (let i = 1; i < n.items.length; i++) f = b.alt(f, build(b, n.items[i]!));
      return f;
    }
    case 'rep': {
      let f: Frag = b.empty();
      for (let i = 0; i < n.min; i++) f = b.concat(f, build(b, n.node));
      if (n.max === -1) return b.concat(f, b.star(build(b, n.node)));
      for (let i = n.min; i < n.max; i++) f = b.concat(f, b.opt(build(b, n.node)));
      return f;
    }
  }
}

export type RegexMatcher = (s: string) => boolean;

/** Compiles a Lucene-syntax regex; throws RegexSyntaxError (with the index in the pattern) when malformed. */
export function compileRegex(pattern: string, insensitive: boolean): RegexMatcher {
  const ast = new RegexParser(pattern).parse();
  const b = new Builder();
  const frag = build(b, ast);
  const match = b.state(K_MATCH);
  b.patch(frag.outs, match);
  const kind = Int8Array.from(b.kind);
  const out1 = Int32Array.from(b.out1);
  const out2 = Int32Array.from(b.out2);
  const sets = b.sets;
  const n = kind.length;
  const start = frag.start;
  let cur = new Int32Array(n);
  let next = new Int32Array(n);
  const mark = new Uint32Array(n);
  const stack = new Int32Array(n * 2 + 2);
  let gen = 0;
  const test = insensitive
    ? (set: CharSet, c: number): boolean => {
        if (inSet(set, c)) return true;
        const f = foldCode(c);
        if (f !== c && inSet(set, f)) return true;
        const u = c < 128 ? (c >= 97 && c <= 122 ? c - 32 : c) : String.fromCharCode(c).toUpperCase().charCodeAt(0);
        return u !== c && inSet(set, u);
      }
    : inSet;
  // Adds state s and its epsilon closure to list; returns the new length.
  const add = (list: Int32Array, len: number, s: number): number => {
    let sp = 0;
    stack[sp++] = s;
    while (sp > 0) {
      const x = stack[--sp]!;
      if (x < 0 || mark[x] === gen) continue;
      mark[x] = gen;
      const k = kind[x]!;
      if (k === K_SPLIT) {
        stack[sp++] = out2[x]!;
        stack[sp++] = out1[x]!;
      } else if (k === K_EPS) stack[sp++] = out1[x]!;
      else list[len++] = x;
    }
    return len;
  };
  return (s: string): boolean => {
    gen++;
    let curLen = add(cur, 0, start);
    for (let i = 0; i < s.length && curLen > 0; ) {
      const c = s.codePointAt(i)!;
      i += c > 0xffff ? 2 : 1;
      gen++;
      let nextLen = 0;
      for (let k = 0; k < curLen; k++) {
        const x = cur[k]!;
        if (kind[x] === K_SET && test(sets[x]!, c)) nextLen = add(next, nextLen, out1[x]!);
      }
      const t = cur;
      cur = next;
      next = t;
      curLen = nextLen;
    }
    for (let k = 0; k < curLen; k++) if (kind[cur[k]!] === K_MATCH) return true;
    return false;
  };
}

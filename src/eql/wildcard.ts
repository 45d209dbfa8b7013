// Wildcard patterns of `:` and `like`: `*` any run of characters, `?` one character, everything else literal
// (backslash included, as in Elasticsearch). Matching is a bit-parallel NFA simulation: one pass over the
// input, time linear in its length, no backtracking whatever the pattern.

/** ASCII-only folding keeps `:` identical to Elasticsearch's case-insensitive keyword match for ASCII text. */
export function foldCode(c: number): number {
  if (c >= 65 && c <= 90) return c + 32;
  if (c < 128) return c;
  const s = String.fromCharCode(c).toLowerCase();
  return s.length === 1 ? s.charCodeAt(0) : c;
}

export type StringMatcher = (s: string) => boolean;

/** Compiles a wildcard pattern to a matcher. */
export function compileWildcard(pattern: string, insensitive: boolean): StringMatcher {
  // Tokens: literal code, or -1 for '?'. Stars split them into prefix * middle * suffix.
  const all: number[] = [];
  const starAt: number[] = []; // token index each star precedes
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charCodeAt(i);
    if (c === 42 /* * */) starAt.push(all.length);
    else all.push(c === 63 /* ? */ ? -1 : insensitive ? foldCode(c) : c);
  }
  const fold = insensitive ? foldCode : (c: number) => c;
  const n = all.length;
  if (starAt.length === 0) {
    if (!insensitive && !all.includes(-1)) return (s) => s === pattern;
    return (s) => s.length === n && tokensAt(all, 0, n, s, 0, fold);
  }
  const pre = starAt[0]!;
  const post = starAt[starAt.length - 1]!;
  const sufLen = n - post;
  const middle = all.slice(pre, post);
  const inner = middle.length === 0 ? null : compileFloating(middle, starAt.map((x) => x - pre).filter((x) => x > 0 && x < middle.length), fold);
  return (s) => {
    const len = s.length;
    if (len < pre + sufLen) return false;
    if (!tokensAt(all, 0, pre, s, 0, fold)) return false;
    if (!tokensAt(all, post, n, s, len - sufLen, fold)) return false;
    return inner === null || inner(s, pre, len - sufLen);
  };
}

/** Do tokens[from..to) match s at `at`? */
function tokensAt(tokens: number[], from: number, to: number, s: string, at: number, fold: (c: number) => number): boolean {
  for (let i = from; i < to; i++, at++) {
    const t = tokens[i]!;
    if (t !== -1 && fold(s.charCodeAt(at)) !== t) return false;
  }
  return true;
}

/**
 * Matcher for `*t0 t1 ... *...* tn-1*` (stars before index 0, at `inner` indexes and after the end) over
 * s[from, to): a bit-parallel NFA, state i = i tokens matched, self-loop on states that follow a star.
 */
function compileFloating(tokens: number[], inner: number[], fold: (c: number) => number): (s: string, from: number, to: number) => boolean {
  const n = tokens.length;
  const words = (n >> 5) + 1;
  const ascii = new Uint32Array(128 * words);
  const other = new Map<number, Uint32Array>();
  const anyMask = new Uint32Array(words);
  const loopMask = new Uint32Array(words);
  for (let i = 0; i < n; i++) {
    const t = tokens[i]!;
    const bit = 1 << (i & 31);
    const w = i >> 5;
    if (t === -1) anyMask[w]! |= bit;
    else if (t < 128) ascii[t * words + w]! |= bit;
    else {
      let m = other.get(t);
      if (!m) other.set(t, (m = new Uint32Array(words)));
      m[w]! |= bit;
    }
  }
  loopMask[0]! |= 1;
  loopMask[n >> 5]! |= 1 << (n & 31);
  for (const i of inner) loopMask[i >> 5]! |= 1 << (i & 31);
  const acceptWord = n >> 5;
  const acceptBit = 1 << (n & 31);
  if (words === 1) {
    const any = anyMask[0]!;
    const loop = loopMask[0]!;
    return (s, from, to) => {
      let d = 1;
      for (let k = from; k < to; k++) {
        const c = fold(s.charCodeAt(k));
        const m = (c < 128 ? ascii[c]! : other.get(c)?.[0] ?? 0) | any;
        d = (((d & m) << 1) | (d & loop)) >>> 0;
        if (d & acceptBit) return true; // the trailing star takes the rest
      }
      return (d & acceptBit) !== 0;
    };
  }
  const d = new Uint32Array(words);
  return (s, from, to) => {
    d.fill(0);
    d[0] = 1;
    for (let k = from; k < to; k++) {
      const c = fold(s.charCodeAt(k));
      const base = c < 128 ? c * words : -1;
      const om = base < 0 ? other.get(c) : undefined;
      let carry = 0;
      for (let w = 0; w < words; w++) {
        const dw = d[w]!;
        const m = (base >= 0 ? ascii[base + w]! : om ? om[w]! : 0) | anyMask[w]!;
        const step = dw & m;
        d[w] = ((step << 1) | carry | (dw & loopMask[w]!)) >>> 0;
        carry = step >>> 31;
      }
      if (d[acceptWord]! & acceptBit) return true;
    }
    return (d[acceptWord]! & acceptBit) !== 0;
  };
}

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
  // Tokens: literal code (or -1 for '?'); selfLoop[i] when a '*' precedes token i (or ends the pattern, i = n).
  const tokens: number[] = [];
  const selfLoop: boolean[] = [false];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charCodeAt(i);
    if (c === 42 /* * */) selfLoop[tokens.length] = true;
    else {
      tokens.push(c === 63 /* ? */ ? -1 : insensitive ? foldCode(c) : c);
      selfLoop[tokens.length] = false;
    }
  }
  const n = tokens.length;
  const hasStar = selfLoop.some(Boolean);
  const hasAny = tokens.includes(-1);
  // Fast paths: no wildcard at all.
  if (!hasStar && !hasAny) {
    if (!insensitive) return (s) => s === pattern;
    return (s) => {
      if (s.length !== n) return false;
      for (let i = 0; i < n; i++) if (foldCode(s.charCodeAt(i)) !== tokens[i]) return false;
      return true;
    };
  }
  const fold = insensitive ? foldCode : (c: number) => c;
  const words = ((n + 1) >> 5) + 1;
  // masks: per literal code, the states i whose token i is that code; anyMask: tokens '?'.
  const maskOf = new Map<number, Uint32Array>();
  const anyMask = new Uint32Array(words);
  const loopMask = new Uint32Array(words);
  for (let i = 0; i < n; i++) {
    const t = tokens[i]!;
    if (t === -1) anyMask[i >> 5]! |= 1 << (i & 31);
    else {
      let m = maskOf.get(t);
      if (!m) maskOf.set(t, (m = new Uint32Array(words)));
      m[i >> 5]! |= 1 << (i & 31);
    }
  }
  for (let i = 0; i <= n; i++) if (selfLoop[i]) loopMask[i >> 5]! |= 1 << (i & 31);
  const acceptWord = n >> 5;
  const acceptBit = 1 << (n & 31);
  if (words === 1) {
    const ascii = new Int32Array(128);
    for (const [code, m] of maskOf) if (code < 128) ascii[code] = m[0]!;
    const any = anyMask[0]!;
    const loop = loopMask[0]!;
    return (s) => {
      let d = 1; // state 0
      const len = s.length;
      for (let k = 0; k < len && d !== 0; k++) {
        const c = fold(s.charCodeAt(k));
        const m = (c < 128 ? ascii[c]! : maskOf.get(c)?.[0] ?? 0) | any;
        d = (((d & m) << 1) | (d & loop)) >>> 0;
      }
      return (d & acceptBit) !== 0;
    };
  }
  const d = new Uint32Array(words);
  const nd = new Uint32Array(words);
  return (s) => {
    d.fill(0);
    d[0] = 1;
    const len = s.length;
    for (let k = 0; k < len; k++) {
      const c = fold(s.charCodeAt(k));
      const m = maskOf.get(c);
      let carry = 0;
      let alive = 0;
      for (let w = 0; w < words; w++) {
        const step = d[w]! & ((m ? m[w]! : 0) | anyMask[w]!);
        const v = ((step << 1) | carry | (d[w]! & loopMask[w]!)) >>> 0;
        carry = step >>> 31;
        nd[w] = v;
        alive |= v;
      }
      d.set(nd);
      if (alive === 0) return false;
    }
    return (d[acceptWord]! & acceptBit) !== 0;
  };
}

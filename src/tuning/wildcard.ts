// Elasticsearch `wildcard` query matching (Lucene syntax): `*` any run of characters, `?` exactly one,
// `\` escapes the next character. A linear-time matcher instead of a RegExp, so hostile patterns cannot
// make matching blow up.

const STAR = -1;
const ANY = -2;

/** A compiled pattern: code points, with STAR/ANY for the operators. */
export type WildcardPattern = readonly number[];

export function compileWildcard(pattern: string): WildcardPattern {
  const out: number[] = [];
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '\\' && i + 1 < chars.length) out.push(chars[++i]!.codePointAt(0)!);
    else if (c === '*') {
      if (out[out.length - 1] !== STAR) out.push(STAR);
    } else if (c === '?') out.push(ANY);
    else out.push(c.codePointAt(0)!);
  }
  return out;
}

/** Classic greedy matcher with single backtrack point: O(text × pattern) worst case. */
export function wildcardMatches(pattern: WildcardPattern, text: string): boolean {
  const t = Array.from(text, (c) => c.codePointAt(0)!);
  let p = 0;
  let s = 0;
  let starP = -1;
  let starS = 0;
  while (s < t.length) {
    const pc = pattern[p];
    if (p < pattern.length && (pc === ANY || pc === t[s])) {
      p++;
      s++;
    } else if (p < pattern.length && pc === STAR) {
      starP = p++;
      starS = s;
    } else if (starP >= 0) {
      p = starP + 1;
      s = ++starS;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === STAR) p++;
  return p === pattern.length;
}

/** Escapes text for use as a literal inside a wildcard value. */
export function escapeWildcard(text: string): string {
  return text.replace(/[\\*?]/g, (c) => '\\' + c);
}

// Turns a task's command or arguments into the pattern its recurring runs share: variable parts (GUIDs,
// long hex strings, free-standing numbers, random-looking names) become `*`, everything else stays
// literal. The result is an Elasticsearch wildcard value (literal `\`, `*`, `?` escaped).
import { escapeWildcard } from './wildcard.js';

const GUID = /\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?/g;
const HEX = /\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}\b|\b0x[0-9a-fA-F]+\b/g;
const NUMBER = /(?<![A-Za-z0-9])\d+(?![A-Za-z0-9])/g;
const WORD = /[A-Za-z0-9]{6,}/g;

/** A name that looks generated: letters and digits interleaved, or many case flips (e.g. "aZ3kQ9xw"). */
export function looksRandom(token: string): boolean {
  if (token.length < 6) return false;
  const digits = token.replace(/[^0-9]/g, '').length;
  const letters = token.length - digits;
  if (digits >= 2 && letters >= 2) {
    // "system32", "Win10x64", "sha256": words with a trailing or single number run are not random.
    const runs = token.match(/\d+/g)!.length;
    if (runs >= 2) return true;
  }
  if (digits === 0 && token.length >= 6) {
    let flips = 0;
    for (let i = 1; i < token.length; i++) {
      const a = token[i - 1]!;
      const b = token[i]!;
      if ((a === a.toUpperCase()) !== (b === b.toUpperCase())) flips++;
    }
    // CamelCase words flip once or twice per word; generated names flip on most characters.
    if (flips >= 4 && flips >= token.length / 2) return true;
  }
  return false;
}

const MARK = '\u0000';

/**
 * The pattern shared by runs of this command: a wildcard value and whether it holds a `*`
 * (when not, the exact text is the pattern and a `match` entry is enough).
 */
export function commandPattern(text: string): { pattern: string; wildcard: boolean } {
  let marked = text.replace(GUID, MARK).replace(HEX, MARK).replace(NUMBER, MARK);
  marked = marked.replace(WORD, (w) => (looksRandom(w) ? MARK : w));
  // Adjacent variable parts collapse into one `*`.
  marked = marked.replace(/\u0000+/g, MARK);
  if (!marked.includes(MARK)) return { pattern: text, wildcard: false };
  const pattern = marked.split(MARK).map(escapeWildcard).join('*');
  return { pattern, wildcard: true };
}

/** The pattern shown to a person: `*` for the variable parts, backslashes as typed. */
export function displayPattern(pattern: string, wildcard: boolean): string {
  return wildcard ? pattern.replace(/\\(.)/g, '$1') : pattern;
}

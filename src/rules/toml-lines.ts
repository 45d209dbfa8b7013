// Finds where a key or table sits in a TOML text, so rule problems can name a line.
// smol-toml gives positions only for syntax errors; for validation errors we scan the text ourselves.
// This is a light scanner (headers and `key =` lines), not a second TOML parser: good enough to point a person
// at the right line, and it answers undefined rather than guess when it cannot tell.

export interface TomlLineIndex {
  /** 1-based line of `key = ...` inside the table `table` ("" for the root), the `occurrence`-th such table. */
  keyLine(table: string, key: string, occurrence?: number): number | undefined;
  /** 1-based line of the `occurrence`-th header `[table]` or `[[table]]`. */
  tableLine(table: string, occurrence?: number): number | undefined;
}

const HEADER = /^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$/;
const KEY = /^\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_.-]+)\s*=/;

function unquote(key: string): string {
  return key.startsWith('"') || key.startsWith("'") ? key.slice(1, -1) : key;
}

export function indexTomlLines(text: string): TomlLineIndex {
  const lines = text.split(/\r?\n/);
  // Each entry: a table header occurrence and the keys directly under it, with their lines.
  const tables: Array<{ name: string; line: number; keys: Map<string, number> }> = [{ name: '', line: 0, keys: new Map() }];
  let inMultiline: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (inMultiline) {
      // Skip the body of a multi-line string: a `[` at its line start is not a header.
      if (countDelims(line, inMultiline) % 2 === 1) inMultiline = undefined;
      continue;
    }
    const header = HEADER.exec(line);
    if (header && !line.includes('=')) {
      tables.push({ name: header[1]!.replace(/\s+/g, ''), line: i + 1, keys: new Map() });
      continue;
    }
    const key = KEY.exec(line);
    if (key) {
      const current = tables[tables.length - 1]!;
      const name = unquote(key[1]!);
      if (!current.keys.has(name)) current.keys.set(name, i + 1);
      for (const delim of ['"""', "'''"]) {
        if (countDelims(line, delim) % 2 === 1) {
          inMultiline = delim;
          break;
        }
      }
    }
  }
  const find = (table: string, occurrence: number) => tables.filter((t) => t.name === table)[occurrence];
  return {
    keyLine(table, key, occurrence = 0) {
      // A dotted key under a parent table (`threat.tactic` written inline) is not resolved; undefined is honest.
      return find(table, occurrence)?.keys.get(key);
    },
    tableLine(table, occurrence = 0) {
      return find(table, occurrence)?.line;
    },
  };
}

function countDelims(line: string, delim: string): number {
  let n = 0;
  for (let at = line.indexOf(delim); at >= 0; at = line.indexOf(delim, at + 3)) n++;
  return n;
}

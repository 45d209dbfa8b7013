// NDJSON lines the pre-filter held undecoded (first-stage-only lines of pruned sequences, sequence-pruning.ts),
// each with its input order, kept until everything is read: in memory up to a bound, then appended to a file.
// They are plain text, so holding costs a copy of the line; most are never decoded.
import { closeSync, openSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { HeldLine } from '../formats/index.js';
import { LinePieces } from './line-pieces.js';

/** Text kept in memory before it goes to the file (small: a held line's text may keep the chunk it was cut from alive). */
const MEMORY_BYTES = 1 << 20;
const READ_CHUNK = 1 << 20;

/** A held line with its input order. */
export interface HeldEntry {
  order: number;
  item: HeldLine;
}

export class HeldLines {
  private parts: string[] = [];
  private partsLength = 0;
  private fd: number | undefined;
  private path: string | undefined;
  count = 0;

  /** `dir`: where the file goes, asked for only once one is needed; `name`: its name there. */
  constructor(
    private readonly dir: () => string,
    private readonly name: string,
  ) {}

  add(order: number, item: HeldLine): void {
    // One line per held line: order, origin (JSON escapes tabs and newlines), then the text itself (a line).
    const entry = `${order}\t${JSON.stringify(item.origin)}\t${item.text}\n`;
    this.parts.push(entry);
    this.partsLength += entry.length;
    this.count++;
    if (this.partsLength >= MEMORY_BYTES) this.write();
  }

  /** Every held line, in the order added (once: the file is closed as it is read). */
  async *entries(): AsyncGenerator<HeldEntry> {
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
      yield* readHeldLines(this.path!);
    }
    for (const part of this.parts) yield parseEntry(part, 0, part.length - 1);
  }

  private write(): void {
    if (this.parts.length === 0) return;
    if (this.fd === undefined) {
      this.path = join(this.dir(), this.name);
      this.fd = openSync(this.path, 'w');
    }
    writeSync(this.fd, this.parts.join(''));
    this.parts = [];
    this.partsLength = 0;
  }
}

/** The held lines of a file `HeldLines` wrote, in the order they were added. */
async function* readHeldLines(path: string): AsyncGenerator<HeldEntry> {
  const file = await open(path, 'r');
  const pieces = new LinePieces(file, READ_CHUNK);
  try {
    for (let text = await pieces.next(); text !== undefined; text = await pieces.next()) {
      if (!text.endsWith('\n')) throw new Error(`${path}: held lines cut short`);
      for (let s = 0, nl = text.indexOf('\n'); nl !== -1; s = nl + 1, nl = text.indexOf('\n', s)) yield parseEntry(text, s, nl);
    }
  } finally {
    await pieces.close();
  }
}

function parseEntry(text: string, start: number, end: number): HeldEntry {
  const tab1 = text.indexOf('\t', start);
  const tab2 = text.indexOf('\t', tab1 + 1);
  return {
    order: Number(text.slice(start, tab1)),
    item: { kind: 'held', origin: JSON.parse(text.slice(tab1 + 1, tab2)) as HeldLine['origin'], text: text.slice(tab2 + 1, end) },
  };
}

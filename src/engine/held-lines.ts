// NDJSON lines the pre-filter held undecoded (first-stage-only lines of pruned sequences, sequence-pruning.ts),
// each with its input order, kept until everything is read: in memory up to a bound, then appended to a file.
// They are plain text, so holding costs a copy of the line; most are never decoded. Beside the text goes an index
// of fixed-size records (input order, where the text is, the hold tag, a summary of the key values the line may
// carry: sequence-pruning.ts `HeldKeySummary`), so that once every key is known only the lines that may join are
// read back: reading back and testing every held line took 7% of a 1 GB hunt, after everything else was read.
import { closeSync, openSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { HeldLine } from '../formats/index.js';
import type { HeldSelect } from './sequence-pruning.js';

/** Bytes of text staged in memory before they go to the file. */
const MEMORY_BYTES = 1 << 20;
/** Most bytes read back at once (selected lines close together are read in one go, through one buffer). */
const READ_CHUNK = 1 << 20;
/** Selected lines at most this far apart are read in one go (the bytes between them read for nothing). */
const READ_GAP = 16 << 10;
/** Index record head, in 32-bit words: order (high, low), text offset (high, low), text bytes, tag; then the summary. */
const HEAD = 6;
/** Index records kept in memory before they go to the index file. */
const RECORDS = 4096;
const HIGH = 2 ** 32;

/** A held line with its input order. */
export interface HeldEntry {
  order: number;
  item: HeldLine;
}

export class HeldLines {
  /** Text not yet written: each line encoded once, straight into this buffer (made when the first line comes). */
  private staged: Buffer | undefined;
  private stagedBytes = 0;
  /** Bytes of text added so far: where the next line's text starts in the file. */
  private textBytes = 0;
  /** Words per index record (set by the first line held: its summary's length). */
  private record = 0;
  private index = new Uint32Array(0);
  private records = 0;
  private textFd: number | undefined;
  private indexFd: number | undefined;
  private path: string | undefined;
  /** The JSON of the last origin's file and member (the lines of one file share them). */
  private originHead: { file: string; member: string | undefined; json: string; memberJson: string } | undefined;
  count = 0;
  /** Whether `entries` has begun: the store is read once, and its buffers are let go then. */
  private reading = false;

  /** `dir`: where the files go, asked for only once one is needed; `name`: the text file's name there. */
  constructor(
    private readonly dir: () => string,
    private readonly name: string,
  ) {}

  /** Holds a line, with the summary of its key values (`HeldKeySummary.summarize`; the same length every time). */
  add(order: number, item: HeldLine, summary: Uint32Array): void {
    if (this.reading) throw new Error('held lines: added to after being read');
    if (this.record === 0) {
      this.record = HEAD + summary.length;
      this.index = new Uint32Array(this.record * RECORDS);
    } else if (this.record !== HEAD + summary.length) throw new Error('held lines: key summaries of different lengths');
    // One line per held line: order, origin (JSON escapes tabs and newlines), then the text itself (a line).
    const head = `${order}\t${this.originJson(item.origin)}\t`;
    // At most 3 bytes per UTF-16 unit; a line that may not fit what is left goes after what is staged.
    const bytesIn = item.bytes;
    const most = head.length * 3 + (bytesIn ? bytesIn.end - bytesIn.start : item.text.length * 3) + 1;
    if (this.staged !== undefined && this.stagedBytes + most > this.staged.length) this.writeText();
    const staged = (this.staged ??= Buffer.allocUnsafe(MEMORY_BYTES));
    // A line longer than the buffer is encoded into one of its own and written alone.
    const into = most <= staged.length ? staged : Buffer.allocUnsafe(most);
    const start = into === staged ? this.stagedBytes : 0;
    let at = start + into.write(head, start, 'utf8');
    at += bytesIn ? bytesIn.buffer.copy(into, at, bytesIn.start, bytesIn.end) : into.write(item.text, at, 'utf8');
    into[at++] = 10;
    const bytes = at - start;
    if (into === staged) this.stagedBytes = at;
    else writeSync((this.textFd ??= openSync(this.target(), 'w')), into, 0, at);
    const ix = this.index;
    const r = this.records * this.record;
    ix[r] = Math.floor(order / HIGH);
    ix[r + 1] = order >>> 0;
    ix[r + 2] = Math.floor(this.textBytes / HIGH);
    ix[r + 3] = this.textBytes >>> 0;
    ix[r + 4] = bytes;
    ix[r + 5] = item.tag;
    ix.set(summary, r + HEAD);
    this.textBytes += bytes;
    this.count++;
    if (++this.records === RECORDS) this.writeIndex();
  }

  /**
   * An origin's JSON, as `JSON.stringify` writes one made by the JSON reader (file, line, member), with the file's
   * and the member's JSON made once for the lines of one file; any other origin through `JSON.stringify` itself.
   */
  private originJson(origin: HeldLine['origin']): string {
    const { file, member, line } = origin;
    if (line === undefined || origin.record !== undefined || origin.offset !== undefined || origin.index !== undefined) return JSON.stringify(origin);
    let h = this.originHead;
    if (h === undefined || h.file !== file || h.member !== member) {
      h = this.originHead = { file, member, json: JSON.stringify(file), memberJson: member === undefined ? '' : `,"member":${JSON.stringify(member)}` };
    }
    return `{"file":${h.json},"line":${line}${h.memberJson}}`;
  }

  /**
   * The held lines `select` takes (default: every one), read back in the order added; `passed` is told the input
   * order of each of the others (once: the files are closed as they are read).
   */
  async *entries(select?: HeldSelect, passed?: (order: number) => void): AsyncGenerator<HeldEntry> {
    if (this.count === 0) return;
    this.reading = true;
    this.writeText();
    this.writeIndex();
    // The merge comes next, when the heap is largest: the staging buffer and the index are not needed again.
    this.staged = undefined;
    this.index = new Uint32Array(0);
    closeSync(this.textFd!);
    closeSync(this.indexFd!);
    this.textFd = this.indexFd = undefined;
    const text = await open(this.path!, 'r');
    const index = await open(`${this.path!}.index`, 'r');
    try {
      const record = this.record;
      const buffer = Buffer.allocUnsafe(READ_CHUNK);
      const ix = new Uint32Array(record * RECORDS);
      const raw = new Uint8Array(ix.buffer);
      for (;;) {
        const { bytesRead } = await index.read(raw, 0, raw.length, null);
        if (bytesRead === 0) return;
        if (bytesRead % (record * 4) !== 0) throw new Error(`${this.path}.index: held lines index cut short`);
        const n = bytesRead / (record * 4);
        // Most are not taken: they are told to `passed` here, without a generator step each.
        const wanted: number[] = [];
        for (let i = 0, r = 0; i < n; i++, r += record) {
          if (!select || select(ix[r + 5]!, ix, r + HEAD)) wanted.push(i);
          else passed?.(ix[r]! * HIGH + ix[r + 1]!);
        }
        const lines = await this.readBack(text, ix, wanted, buffer);
        for (let w = 0; w < wanted.length; w++) {
          const r = wanted[w]! * record;
          const entry = lines[w]!;
          if (entry.order !== ix[r]! * HIGH + ix[r + 1]!) throw new Error(`${this.path}: held lines out of step with their index`);
          entry.item.tag = ix[r + 5]!;
          yield entry;
        }
      }
    } finally {
      await text.close();
      await index.close();
    }
  }

  /**
   * The entries of index records `wanted` (ascending), read from the text file through `buffer`, nearby ones in one
   * read (a line longer than the buffer through one of its own).
   */
  private async readBack(file: FileHandle, ix: Uint32Array, wanted: readonly number[], buffer: Buffer): Promise<HeldEntry[]> {
    const out: HeldEntry[] = [];
    const at = (i: number) => ix[i * this.record + 2]! * HIGH + ix[i * this.record + 3]!;
    const size = (i: number) => ix[i * this.record + 4]!;
    for (let g = 0; g < wanted.length; ) {
      // A run of wanted lines READ_GAP or less apart, spanning at most the buffer (or one longer line alone).
      const start = at(wanted[g]!);
      let e = g + 1;
      while (e < wanted.length && at(wanted[e]!) - (at(wanted[e - 1]!) + size(wanted[e - 1]!)) <= READ_GAP && at(wanted[e]!) + size(wanted[e]!) - start <= buffer.length) e++;
      const span = at(wanted[e - 1]!) + size(wanted[e - 1]!) - start;
      const buf = span <= buffer.length ? buffer : Buffer.allocUnsafe(span);
      const { bytesRead } = await file.read(buf, 0, span, start);
      if (bytesRead !== span) throw new Error(`${this.path}: held lines cut short`);
      for (; g < e; g++) {
        const from = at(wanted[g]!) - start;
        const line = buf.toString('utf8', from, from + size(wanted[g]!));
        if (!line.endsWith('\n')) throw new Error(`${this.path}: held lines out of step with their index`);
        out.push(parseEntry(line, 0, line.length - 1));
      }
    }
    return out;
  }

  private target(): string {
    return (this.path ??= join(this.dir(), this.name));
  }

  private writeText(): void {
    if (this.stagedBytes === 0) return;
    this.textFd ??= openSync(this.target(), 'w');
    writeSync(this.textFd, this.staged!, 0, this.stagedBytes);
    this.stagedBytes = 0;
  }

  private writeIndex(): void {
    if (this.records === 0) return;
    this.indexFd ??= openSync(`${this.target()}.index`, 'w');
    writeSync(this.indexFd, new Uint8Array(this.index.buffer, 0, this.records * this.record * 4));
    this.records = 0;
  }
}

function parseEntry(text: string, start: number, end: number): HeldEntry {
  const tab1 = text.indexOf('\t', start);
  const tab2 = text.indexOf('\t', tab1 + 1);
  return {
    order: Number(text.slice(start, tab1)),
    item: { kind: 'held', origin: JSON.parse(text.slice(tab1 + 1, tab2)) as HeldLine['origin'], text: text.slice(tab2 + 1, end), tag: 0 },
  };
}

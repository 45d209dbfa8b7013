// Orders events by time with bounded memory: an external merge sort.
// Events are buffered; past the threshold the buffer is sorted and spilled to a temp file as one JSON line per
// event; at the end the runs and the last buffer are merged k-way. Every event has an input order (`order`, given
// by the caller when inputs are read in parallel, else the order of `add`), and ties in time go by it, in memory
// and across runs alike: the result is (time, input order) however events arrived.
import { mkdtempSync, openSync, closeSync, writeSync, rmSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NormalizedEvent } from '../normalize/types.js';
import { TimeHeap } from './event-heap.js';
import { LinePieces } from './line-pieces.js';

export interface ExternalSortOptions {
  /** Events held in memory before a sorted run is spilled (default 5,000). */
  maxBufferedEvents?: number;
  /**
   * Estimated heap bytes of the events held in memory before a sorted run is spilled (default 4 MiB; see
   * `approxEventBytes`). The bound that matters: events range from 1 KB (Defend) to 4 KB and more (flat exports
   * with messages), and V8 lets the old generation grow to a few times what was live at its last full GC.
   */
  maxBufferedBytes?: number;
  /**
   * Also spill when the V8 heap is past this many bytes (off by default: `heapUsed` counts garbage not yet
   * collected, so on a lazily collected heap it spills tiny runs while memory still grows).
   */
  maxHeapBytes?: number;
  /** Parent directory of the temp dir holding the runs (default the OS temp dir). */
  tempDir?: string;
  /** Most runs read at once; more are first merged in batches (default 64: bounded files and read buffers). */
  maxMergeFanIn?: number;
  /** Ties in time go by each event's own `order` (inputs read in parallel) instead of the order of `add`. */
  orderGiven?: boolean;
  /**
   * Write runs into this existing directory, named `<runPrefix>run-N.ndjson`, and leave them there: the caller
   * owns them (a worker thread's sorter hands its runs to the calling thread's with `toRuns`/`adoptRuns`).
   */
  runDir?: string;
  runPrefix?: string;
}

export interface SortStats {
  events: number;
  /** Sorted runs written to disk, intermediate merges included (0 when everything fitted in memory). */
  spilledRuns: number;
  spilledBytes: number;
}

/** The sort buffer's default bounds (`maxBufferedEvents`, `maxBufferedBytes`). */
// Small enough that the heap V8 grows around it stays flat from 100 MB to GBs of input: on the bench's 1 GB, peak
// RSS is 145 MB where 20,000 / 16 MiB gave 162 MB, in the same time (spilling costs per event, not per run).
export const SORT_BUFFER_DEFAULTS = { events: 5_000, bytes: 4 * 1048576 } as const;

const HEAP_CHECK_EVERY = 8192;
const MIN_RUN_FOR_HEAP_SPILL = 8192;
const WRITE_CHUNK = 1 << 20;
/**
 * Read buffers of all the runs merged at once share this budget, a run's reader taking four times its chunk
 * (line-pieces.ts), each chunk between the two bounds below: the final merge is when the heap is largest, and the
 * number of runs grows with the input (8 on the bench's 1 GB, 27 on 3 GB, where readers of 64 KiB chunks and four
 * buffers of those took 10 MB). 8 MiB read no faster.
 */
const READ_BUDGET = 2 << 20;
const MIN_READ_CHUNK = 16 << 10;
const MAX_READ_CHUNK = 256 << 10;

function readChunkFor(runs: number): number {
  return Math.min(MAX_READ_CHUNK, Math.max(MIN_READ_CHUNK, Math.floor(READ_BUDGET / 4 / Math.max(1, runs))));
}

/**
 * A cheap estimate of the heap an event's document takes (V8: object headers and property slots, string
 * headers and characters; keys are shared, so not counted). Measured within ~25% of the real retained size on
 * Defend and flat-export events, which is all the sort buffer's bound needs.
 */
export function approxEventBytes(event: NormalizedEvent): number {
  return 160 + approxBytes(event.doc, 0);
}

function approxBytes(value: unknown, depth: number): number {
  if (typeof value === 'string') return 16 + value.length;
  if (typeof value !== 'object' || value === null) return 8;
  if (depth > 32) return 64; // cycles cannot occur in parsed documents; deep nesting is bounded anyway
  let n = 8;
  if (Array.isArray(value)) {
    n += 16;
    for (const v of value) n += approxBytes(v, depth + 1);
    return n;
  }
  n += 24;
  for (const k in value) n += 8 + approxBytes((value as Record<string, unknown>)[k], depth + 1);
  return n;
}

/** The event a held NDJSON line stands for (the caller normalizes it again; see `add`). */
export type Revive = (line: string, held: NormalizedEvent) => NormalizedEvent;

/** The `doc` of an event held as its NDJSON line (see `add`): a marker, never read. */
const HELD: NormalizedEvent['doc'] = Object.freeze({}) as NormalizedEvent['doc'];

const byTimeThenOrder = (a: NormalizedEvent, b: NormalizedEvent) => a.timestamp - b.timestamp || a.order! - b.order!;

export class ExternalSorter {
  private buffer: NormalizedEvent[] = [];
  private readonly runs: string[] = [];
  private dir: string | undefined;
  private readonly maxBuffered: number;
  private readonly maxBytes: number;
  private bufferedBytes = 0;
  private sampledBytes = 0;
  private untilSample = 0;
  private stride = 1;
  private readonly maxHeap: number | undefined;
  private readonly tempParent: string;
  private readonly maxFanIn: number;
  private sinceCheck = 0;
  private closed = false;
  private arrivals = 0;
  private readonly gates = new WeakMap<NormalizedEvent, string>();
  /** Held events' NDJSON lines (their `doc` is `HELD` until revived). */
  private readonly lines = new WeakMap<NormalizedEvent, string>();
  /** Events `sorted` left out by their gate. */
  dropped = 0;
  private readonly orderGiven: boolean;
  private readonly runDir: string | undefined;
  private readonly runPrefix: string;
  readonly stats: SortStats = { events: 0, spilledRuns: 0, spilledBytes: 0 };

  constructor(options: ExternalSortOptions = {}) {
    this.maxBuffered = Math.max(1, options.maxBufferedEvents ?? SORT_BUFFER_DEFAULTS.events);
    this.maxBytes = Math.max(1, options.maxBufferedBytes ?? SORT_BUFFER_DEFAULTS.bytes);
    this.maxHeap = options.maxHeapBytes;
    this.tempParent = options.tempDir ?? tmpdir();
    this.maxFanIn = Math.max(2, options.maxMergeFanIn ?? 64);
    this.orderGiven = options.orderGiven === true;
    this.runDir = options.runDir;
    this.runPrefix = options.runPrefix ?? '';
  }

  /**
   * Spills what is held and returns every run, sorted, for another sorter to merge (`adoptRuns`). With `runDir`
   * the files stay; this sorter is done.
   */
  toRuns(): string[] {
    if (this.buffer.length > 0) this.spill();
    this.closed = true;
    return [...this.runs];
  }

  /**
   * Adds sorted runs written by other sorters (`toRuns`; their lines carry the input order) to those merged by
   * `sorted()`. Put them in `sharedRunDir()` so that they are removed with this sorter's own.
   */
  adoptRuns(paths: readonly string[], stats: SortStats): void {
    this.runs.push(...paths);
    this.stats.events += stats.events;
    this.stats.spilledRuns += stats.spilledRuns;
    this.stats.spilledBytes += stats.spilledBytes;
  }

  /** The directory this sorter removes when done (created now if needed): where other sorters' runs go. */
  sharedRunDir(): string {
    return (this.dir ??= this.makeTempDir());
  }

  /**
   * `gate`: a condition, known only once everything is read, for the event to come out of `sorted` at all (see
   * sequence-pruning.ts); it travels with the event through the runs so that a dropped event is never parsed.
   */
  add(event: NormalizedEvent, gate?: string, line?: string): void {
    // Most gated events are dropped at the merge: hold the line they were read from, not their document.
    if (gate && line !== undefined) {
      event = { doc: HELD, timestamp: event.timestamp, host: event.host, origin: event.origin, ...(event.order !== undefined && { order: event.order }) };
      // A copy: the line is a slice of the reader's whole chunk of text, which it would otherwise keep alive.
      this.lines.set(event, Buffer.from(line, 'utf8').toString('utf8'));
    }
    if (gate) this.gates.set(event, gate);
    if (!this.orderGiven || event.order === undefined) event.order = this.arrivals;
    this.arrivals++;
    this.buffer.push(event);
    this.stats.events++;
    // About one event in 8 is measured and the next ones are charged the same (the walk costs microseconds);
    // the stride varies so that inputs cycling through event shapes are not sampled at one phase only.
    if (line !== undefined && gate) {
      // Held lines are charged exactly (a string: its length), the others by sampling.
      this.bufferedBytes += 200 + line.length;
      if (this.buffer.length >= this.maxBuffered || this.bufferedBytes >= this.maxBytes) this.spill();
      return;
    }
    if (--this.untilSample <= 0) {
      this.sampledBytes = approxEventBytes(event);
      this.stride = (Math.imul(this.stride, 1103515245) + 12345) & 0x7fffffff;
      this.untilSample = 4 + (this.stride % 9);
    }
    this.bufferedBytes += this.sampledBytes;
    if (this.buffer.length >= this.maxBuffered || this.bufferedBytes >= this.maxBytes) {
      this.spill();
    } else if (this.maxHeap !== undefined && ++this.sinceCheck >= HEAP_CHECK_EVERY) {
      this.sinceCheck = 0;
      if (this.buffer.length >= MIN_RUN_FOR_HEAP_SPILL && process.memoryUsage().heapUsed > this.maxHeap) this.spill();
    }
  }

  /** Events held in memory now, and their estimated bytes (for tests and memory accounting). */
  get buffered(): { events: number; bytes: number } {
    return { events: this.buffer.length, bytes: this.bufferedBytes };
  }

  /**
   * Every event added, in (timestamp, input order), but those whose gate `keep` rejects (counted in `dropped`) and
   * those whose input order `used` rejects (not counted: src/engine/file-pieces.ts). Removes the temp files when
   * done (or abandoned).
   */
  async *sorted(keep?: (gate: string) => boolean, revive?: Revive, used?: (order: number) => boolean): AsyncGenerator<NormalizedEvent> {
    try {
      if (this.runs.length === 0) {
        const all = this.buffer.sort(byTimeThenOrder);
        this.buffer = [];
        this.bufferedBytes = 0;
        for (const e of drain(all)) if ((!used || used(e.order!)) && this.passes(this.gates.get(e), keep)) yield this.back(e, revive);
        return;
      }
      // What is still held goes to a run too: read in time order, as inputs mostly are, it holds the latest events,
      // which the merge gives last, so it would stay in memory through the whole merge, when the heap is largest
      // (the bench's 1 GB input: 2,210 events, 5-6 MB of peak RSS).
      if (this.buffer.length > 0) this.spill();
      yield* this.merge(keep, revive, used);
    } finally {
      this.cleanup();
    }
  }

  /** Deletes the temp files (idempotent; also called when sorting ends). */
  cleanup(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.dir) return;
    process.removeListener('exit', this.onExit);
    process.removeListener('SIGINT', this.onSignal);
    process.removeListener('SIGTERM', this.onSignal);
    rmSync(this.dir, { recursive: true, force: true });
  }

  // Runs can be GBs: an interrupted hunt must not leave them behind. The signal is raised again after cleanup
  // so the process ends as it would have.
  private readonly onExit = () => this.cleanup();
  private readonly onSignal = (signal: NodeJS.Signals) => {
    this.cleanup();
    process.kill(process.pid, signal);
  };

  private makeTempDir(): string {
    const dir = mkdtempSync(join(this.tempParent, 'seqhunt-sort-'));
    process.once('exit', this.onExit);
    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
    return dir;
  }

  private spill(): void {
    const events = this.buffer.sort(byTimeThenOrder);
    this.buffer = [];
    this.bufferedBytes = 0;
    this.sinceCheck = 0;
    const dir = this.runDir ?? (this.dir ??= this.makeTempDir());
    const path = join(dir, `${this.runPrefix}run-${this.stats.spilledRuns}.ndjson`);
    const fd = openSync(path, 'w');
    try {
      let chunk = '';
      for (const e of events) {
        // A held event's line goes after a tab, as read (an NDJSON line has no newline; JSON text has no raw tab).
        const line = e.doc === HELD ? this.lines.get(e) : undefined;
        chunk += JSON.stringify([e.timestamp, e.order, this.gates.get(e) ?? '', e.host, e.origin, line === undefined ? e.doc : null]);
        chunk += line === undefined ? '\n' : `\t${line}\n`;
        if (chunk.length >= WRITE_CHUNK) {
          this.stats.spilledBytes += writeSync(fd, chunk);
          chunk = '';
        }
      }
      if (chunk) this.stats.spilledBytes += writeSync(fd, chunk);
    } finally {
      closeSync(fd);
    }
    this.runs.push(path);
    this.stats.spilledRuns++;
  }

  /**
   * Merges runs into one, a batch of `maxFanIn` consecutive runs at a time, until few enough remain to be
   * read at once (open files and read buffers stay bounded). Lines are copied as written: only their leading
   * timestamp is read, never the document.
   */
  private async reduceRuns(): Promise<void> {
    while (this.runs.length > this.maxFanIn) {
      const batch = this.runs.splice(0, this.maxFanIn);
      const path = join(this.dir!, `${this.runPrefix}merged-${this.stats.spilledRuns++}.ndjson`);
      const readers: RunReader[] = [];
      const fd = openSync(path, 'w');
      try {
        const readChunk = readChunkFor(batch.length);
        for (const run of batch) readers.push(await RunReader.open(run, readChunk));
        const heap = new TimeHeap<number>();
        for (let i = 0; i < readers.length; i++) if (await readers[i]!.advance()) heap.push(i, readers[i]!.time, readers[i]!.order);
        let chunk = '';
        while (heap.size > 0) {
          const i = heap.pop()!;
          const reader = readers[i]!;
          chunk += reader.line + '\n';
          if (chunk.length >= WRITE_CHUNK) {
            this.stats.spilledBytes += writeSync(fd, chunk);
            chunk = '';
          }
          if (reader.advanceSync() || (await reader.advance())) heap.push(i, reader.time, reader.order);
        }
        if (chunk) this.stats.spilledBytes += writeSync(fd, chunk);
      } finally {
        closeSync(fd);
        await Promise.all(readers.map((r) => r.close()));
      }
      for (const run of batch) rmSync(run, { force: true });
      this.runs.unshift(path);
    }
  }

  /** Whether an event with this gate comes out of `sorted` (those that do not are counted in `dropped`). */
  private passes(gate: string | undefined, keep: ((gate: string) => boolean) | undefined): boolean {
    if (!gate || !keep || keep(gate)) return true;
    this.dropped++;
    return false;
  }

  /** The event itself, or the one a held line stands for. */
  private back(e: NormalizedEvent, revive: Revive | undefined): NormalizedEvent {
    if (e.doc !== HELD) return e;
    if (!revive) throw new Error('a held line needs `revive` to come back');
    return revive(this.lines.get(e)!, e);
  }

  private async *merge(keep: ((gate: string) => boolean) | undefined, revive: Revive | undefined, used: ((order: number) => boolean) | undefined): AsyncGenerator<NormalizedEvent> {
    await this.reduceRuns();
    const readers: RunReader[] = [];
    try {
      const readChunk = readChunkFor(this.runs.length);
      for (const path of this.runs) readers.push(await RunReader.open(path, readChunk));
      // Heap items: run index; ties in time go by input order.
      const heap = new TimeHeap<number>();
      for (let i = 0; i < readers.length; i++) if (await readers[i]!.advance()) heap.push(i, readers[i]!.time, readers[i]!.order);
      while (heap.size > 0) {
        const source = heap.pop()!;
        const reader = readers[source]!;
        // A gated line is dropped before its document is parsed.
        if ((!used || used(reader.order)) && this.passes(reader.gate, keep)) yield reader.event(revive);
        if (reader.advanceSync() || (await reader.advance())) heap.push(source, reader.time, reader.order);
      }
    } finally {
      await Promise.all(readers.map((r) => r.close()));
    }
  }
}

/** Yields the array's items, releasing each as it goes (a consumer that keeps few lets the rest be collected). */
function* drain<T>(items: T[]): Generator<T> {
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    items[i] = undefined as unknown as T;
    yield item;
  }
}

/** Reads one spilled run back through one buffer, one line per step; the document is parsed only on demand. */
class RunReader {
  /** The current line, as written by `spill`: `[timestamp, order, gate, host, origin, doc]`. */
  line = '';
  /** Its timestamp, input order and gate, read from the line's start. */
  time = 0;
  order = 0;
  gate = '';
  private lines: string[] = [];
  private at = 0;
  private readonly pieces: LinePieces;
  /** The file name of the last origin read. */
  private lastFile = '';

  private constructor(file: FileHandle, private readonly path: string, chunkBytes: number) {
    this.pieces = new LinePieces(file, chunkBytes);
  }

  static async open(path: string, chunkBytes: number): Promise<RunReader> {
    return new RunReader(await open(path, 'r'), path, chunkBytes);
  }

  /** Moves to the next line when one is already buffered; false means call `advance`. */
  advanceSync(): boolean {
    if (this.at >= this.lines.length) return false;
    this.take(this.lines[this.at++]!);
    return true;
  }

  /** Moves to the next line, reading more of the file when needed; false at the end. */
  async advance(): Promise<boolean> {
    while (this.at >= this.lines.length) {
      const text = await this.pieces.next();
      if (text === undefined) return false;
      const lines = text.split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      this.lines = lines;
      this.at = 0;
    }
    this.take(this.lines[this.at++]!);
    return true;
  }

  /** The current line as an event (a held NDJSON line revived). */
  event(revive?: Revive): NormalizedEvent {
    let held: string | undefined;
    let head = this.line;
    const tab = head.indexOf('\t');
    if (tab >= 0) {
      held = head.slice(tab + 1);
      head = head.slice(0, tab);
    }
    let event: NormalizedEvent;
    try {
      const [timestamp, order, , host, origin, doc] = JSON.parse(head) as [number, number, string, string, NormalizedEvent['origin'], NormalizedEvent['doc'] | null];
      // One copy of the file name for a stretch of events from one file (kept context holds many origins).
      if (origin.file === this.lastFile) origin.file = this.lastFile;
      else this.lastFile = origin.file;
      event = { doc: doc ?? HELD, timestamp, host, origin, order };
    } catch (err) {
      throw this.damaged((err as Error).message);
    }
    if (held === undefined) return event;
    if (!revive) throw this.damaged('a held line needs `revive` to come back');
    return revive(held, event);
  }

  close(): Promise<void> {
    return this.pieces.close();
  }

  private take(line: string): void {
    this.line = line;
    const a = line.indexOf(',');
    const b = line.indexOf(',', a + 1);
    this.time = Number(line.slice(1, a));
    this.order = Number(line.slice(a + 1, b));
    if (Number.isNaN(this.time) || Number.isNaN(this.order) || b < 0 || line.charCodeAt(b + 1) !== 0x22) throw this.damaged('no timestamp, order and gate at the start of a line');
    // The gate is a JSON string: it ends at the first quote not escaped.
    let end = b + 2;
    while (end < line.length && line.charCodeAt(end) !== 0x22) end += line.charCodeAt(end) === 0x5c ? 2 : 1;
    this.gate = end === b + 2 ? '' : (JSON.parse(line.slice(b + 1, end + 1)) as string);
  }

  private damaged(why: string): Error {
    // Our own file, written a moment ago: damage here is an internal fault (disk full, tampering), not bad input.
    return new Error(`sort run ${this.path} is damaged: ${why}`);
  }
}

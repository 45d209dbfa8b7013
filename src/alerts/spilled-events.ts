// Kept events written to disk. TaskCache writes are kept a day for task identity (context-window.ts); on a
// busy fleet that is most of what a hunt holds, and it grows with the input (about 1.5 KB each as objects).
// Past a budget, their projected documents and origins go to files in a scratch directory, and memory keeps only
// where each one is and what the window orders and evicts it by: a handle into columns (typed arrays in blocks, no
// object per event), 52 bytes each, where a row of wider columns doubled as they grew, the event's origin object
// and two arrays took about 120. They are read back only when an alert of their host is built.
// Files are segments of SEGMENT_BYTES: a segment whose events have all left the window is deleted, so a stream
// that runs for weeks keeps about a day of them on disk.
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NormalizedEvent } from '../normalize/types.js';

const SEGMENT_BYTES = 8 * 1048576;
/** Written documents wait in memory up to this many bytes before one write. */
const FLUSH_BYTES = 64 * 1024;
/** Rows per block of columns: blocks are added as rows are, never copied. */
const BLOCK_BITS = 12;
const BLOCK_ROWS = 1 << BLOCK_BITS;
/** The segment column's value for a handle given back (`release`). */
const NO_SEGMENT = 0xffffffff;
/** A handle's row in its block. */
const rowOf = (h: SpilledHandle): number => h & (BLOCK_ROWS - 1);

class Segment {
  /** Bytes in the file, and waiting in `pending` after them. */
  written = 0;
  pendingBytes = 0;
  pending: string[] = [];
  /** Events of this segment still in the window. */
  live = 0;
  constructor(
    readonly id: number,
    readonly path: string,
    readonly fd: number,
  ) {}

  get size(): number {
    return this.written + this.pendingBytes;
  }

  flush(): void {
    if (this.pendingBytes === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    this.written += writeSync(this.fd, text, this.written, 'utf8');
    this.pendingBytes = 0;
  }
}

/** A spilled event: an index into the store's columns, valid until `release`d (then it may be given out again). */
export type SpilledHandle = number;

/** What the context window keeps of a spilled event besides where it is (context-events.ts `ContextEvent`). */
export interface SpilledMeta {
  eventId: number | undefined;
  aligned: number;
  seq: number;
}

/** BLOCK_ROWS rows of the columns. Offsets in a segment and lengths fit 32 bits (a segment is 8 MiB, or one event). */
class Block {
  readonly timestamp = new Float64Array(BLOCK_ROWS);
  /** NaN: no input order. */
  readonly order = new Float64Array(BLOCK_ROWS);
  /** NaN: no event id. */
  readonly eventId = new Float64Array(BLOCK_ROWS);
  readonly aligned = new Float64Array(BLOCK_ROWS);
  readonly seq = new Float64Array(BLOCK_ROWS);
  readonly offset = new Uint32Array(BLOCK_ROWS);
  readonly length = new Uint32Array(BLOCK_ROWS);
  /** The segment's id, or NO_SEGMENT. */
  readonly segment = new Uint32Array(BLOCK_ROWS).fill(NO_SEGMENT);
}

export class SpilledEvents {
  private dir: string | undefined;
  private current: Segment | undefined;
  /** Segments on disk, by id. */
  private readonly segments = new Map<number, Segment>();
  private closed = false;
  private made = 0;
  private readonly buffer = Buffer.allocUnsafe(64 * 1024);
  private readonly blocks: Block[] = [];
  /** Handles released, to be given out again. */
  private readonly free: number[] = [];
  private rows = 0;

  /** `tempParent`: where the scratch directory is made (default the system's temp directory). */
  constructor(private readonly tempParent: string = tmpdir()) {}

  /**
   * Writes the event's document and origin and returns what stands for it in memory. Its host is not kept: `read`
   * is given it back (the caller keeps one copy of the name for all of a host's events).
   */
  add(ev: NormalizedEvent, meta: SpilledMeta): SpilledHandle {
    if (this.closed) throw new Error('spilled events: used after close');
    const text = JSON.stringify([ev.origin, ev.doc]) + '\n';
    const length = Buffer.byteLength(text);
    let seg = this.current;
    if (!seg || seg.size + length > SEGMENT_BYTES) seg = this.newSegment();
    let h = this.free.pop();
    if (h === undefined) {
      h = this.rows++;
      if (h >>> BLOCK_BITS === this.blocks.length) this.blocks.push(new Block());
    }
    const b = this.blockOf(h);
    const r = rowOf(h);
    b.offset[r] = seg.size;
    b.length[r] = length;
    b.segment[r] = seg.id;
    b.timestamp[r] = ev.timestamp;
    b.order[r] = ev.order ?? Number.NaN;
    b.eventId[r] = meta.eventId ?? Number.NaN;
    b.aligned[r] = meta.aligned;
    b.seq[r] = meta.seq;
    seg.pending.push(text);
    seg.pendingBytes += length;
    if (seg.pendingBytes >= FLUSH_BYTES) seg.flush();
    seg.live++;
    return h;
  }

  timestamp(h: SpilledHandle): number {
    return this.blockOf(h).timestamp[rowOf(h)]!;
  }

  meta(h: SpilledHandle): SpilledMeta {
    const b = this.blockOf(h);
    const r = rowOf(h);
    const id = b.eventId[r]!;
    return { eventId: Number.isNaN(id) ? undefined : id, aligned: b.aligned[r]!, seq: b.seq[r]! };
  }

  seq(h: SpilledHandle): number {
    return this.blockOf(h).seq[rowOf(h)]!;
  }

  /** The file holding the event's document (for tests). */
  fileOf(h: SpilledHandle): string {
    return this.segment(h).path;
  }

  /**
   * The event as it was given to `add`, on `host`: its document and origin read back from disk (so its origin is
   * an equal object, not the same one: correlation.ts tells events apart by input order, else by origin's value).
   */
  read(h: SpilledHandle, host: string): NormalizedEvent {
    const seg = this.segment(h);
    const b = this.blockOf(h);
    const r = rowOf(h);
    const offset = b.offset[r]!;
    const length = b.length[r]!;
    if (offset + length > seg.written) seg.flush();
    const buf = length <= this.buffer.length ? this.buffer : Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = readSync(seg.fd, buf, got, length - got, offset + got);
      if (n === 0) throw new Error(`spilled events: ${seg.path} ends before offset ${offset + length}`);
      got += n;
    }
    const [origin, doc] = JSON.parse(buf.toString('utf8', 0, length)) as [NormalizedEvent['origin'], NormalizedEvent['doc']];
    const ev: NormalizedEvent = { doc, timestamp: b.timestamp[r]!, host, origin };
    const order = b.order[r]!;
    if (!Number.isNaN(order)) ev.order = order;
    return ev;
  }

  /** The event has left the window: its segment is deleted once none of its events is left. */
  release(h: SpilledHandle): void {
    const seg = this.segment(h);
    this.blockOf(h).segment[rowOf(h)] = NO_SEGMENT;
    this.free.push(h);
    seg.live--;
    this.dropIfDone(seg);
  }

  private blockOf(h: SpilledHandle): Block {
    return this.blocks[h >>> BLOCK_BITS]!;
  }

  private segment(h: SpilledHandle): Segment {
    const id = h >= 0 && h < this.rows ? this.blockOf(h).segment[rowOf(h)]! : NO_SEGMENT;
    const seg = id === NO_SEGMENT ? undefined : this.segments.get(id);
    if (!seg) throw new Error(`spilled events: no event ${h}`);
    return seg;
  }

  private dropIfDone(seg: Segment): void {
    if (seg.live > 0 || seg === this.current || this.segments.get(seg.id) !== seg) return;
    this.segments.delete(seg.id);
    closeSync(seg.fd);
    rmSync(seg.path, { force: true });
  }

  /** Segment files now on disk (for tests). */
  get files(): number {
    return this.segments.size;
  }

  /** Deletes every file (idempotent). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const seg of this.segments.values()) closeSync(seg.fd);
    this.segments.clear();
    this.current = undefined;
    if (this.dir) {
      process.removeListener('exit', this.onExit);
      process.removeListener('SIGINT', this.onSignal);
      process.removeListener('SIGTERM', this.onSignal);
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  private newSegment(): Segment {
    const previous = this.current;
    if (!this.dir) {
      this.dir = mkdtempSync(join(this.tempParent, 'seqhunt-context-'));
      // An interrupted hunt must not leave them behind; the signal is raised again once they are gone.
      process.once('exit', this.onExit);
      process.once('SIGINT', this.onSignal);
      process.once('SIGTERM', this.onSignal);
    }
    const id = this.made++;
    const path = join(this.dir, `taskcache-${id}.ndjson`);
    const seg = new Segment(id, path, openSync(path, 'w+'));
    this.segments.set(id, seg);
    this.current = seg;
    if (previous) {
      previous.flush();
      this.dropIfDone(previous); // its events may all have left already
    }
    return seg;
  }

  private readonly onExit = (): void => this.close();
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    this.close();
    process.kill(process.pid, signal);
  };
}

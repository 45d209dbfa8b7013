// Kept events written to disk. TaskCache writes are kept a day for task identity (context-window.ts); on a
// busy fleet that is most of what a hunt holds, and it grows with the input (about 1.5 KB each as objects).
// Past a budget, their projected documents go to files in a scratch directory, and memory keeps only where each
// one is and what the window orders and evicts it by: a handle into columns (typed arrays, no object per event
// but its origin), about 120 bytes each where a handle object and the window's record of it took about 250. They
// are read back only when an alert of their host is built.
// Files are segments of SEGMENT_BYTES: a segment whose events have all left the window is deleted, so a stream
// that runs for weeks keeps about a day of them on disk.
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NormalizedEvent } from '../normalize/types.js';

const SEGMENT_BYTES = 8 * 1048576;
/** Written documents wait in memory up to this many bytes before one write. */
const FLUSH_BYTES = 64 * 1024;

class Segment {
  /** Bytes in the file, and waiting in `pending` after them. */
  written = 0;
  pendingBytes = 0;
  pending: string[] = [];
  /** Events of this segment still in the window. */
  live = 0;
  constructor(
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

/** Growable columns of numbers, one row per handle. */
class Columns {
  capacity = 0;
  offset = new Float64Array(0);
  length = new Float64Array(0);
  timestamp = new Float64Array(0);
  /** NaN: no input order. */
  order = new Float64Array(0);
  /** NaN: no event id. */
  eventId = new Float64Array(0);
  aligned = new Float64Array(0);
  seq = new Float64Array(0);

  grow(): void {
    const capacity = Math.max(1024, this.capacity * 2);
    for (const name of ['offset', 'length', 'timestamp', 'order', 'eventId', 'aligned', 'seq'] as const) {
      const next = new Float64Array(capacity);
      next.set(this[name]);
      this[name] = next;
    }
    this.capacity = capacity;
  }
}

export class SpilledEvents {
  private dir: string | undefined;
  private current: Segment | undefined;
  private readonly segments = new Set<Segment>();
  private closed = false;
  private made = 0;
  private readonly buffer = Buffer.allocUnsafe(64 * 1024);
  private readonly columns = new Columns();
  /** Per handle: its segment and its origin (kept as the object: correlation tells events apart by it). */
  private readonly segmentOf: Array<Segment | undefined> = [];
  private readonly originOf: Array<NormalizedEvent['origin'] | undefined> = [];
  /** Handles released, to be given out again. */
  private readonly free: number[] = [];
  private rows = 0;

  /** `tempParent`: where the scratch directory is made (default the system's temp directory). */
  constructor(private readonly tempParent: string = tmpdir()) {}

  /**
   * Writes the event's document and returns what stands for it in memory. Its host is not kept: `read` is given
   * it back (the caller keeps one copy of the name for all of a host's events).
   */
  add(ev: NormalizedEvent, meta: SpilledMeta): SpilledHandle {
    if (this.closed) throw new Error('spilled events: used after close');
    const text = JSON.stringify(ev.doc) + '\n';
    const length = Buffer.byteLength(text);
    let seg = this.current;
    if (!seg || seg.size + length > SEGMENT_BYTES) seg = this.newSegment();
    let h = this.free.pop();
    if (h === undefined) {
      h = this.rows++;
      if (h >= this.columns.capacity) this.columns.grow();
    }
    const c = this.columns;
    c.offset[h] = seg.size;
    c.length[h] = length;
    c.timestamp[h] = ev.timestamp;
    c.order[h] = ev.order ?? Number.NaN;
    c.eventId[h] = meta.eventId ?? Number.NaN;
    c.aligned[h] = meta.aligned;
    c.seq[h] = meta.seq;
    this.segmentOf[h] = seg;
    this.originOf[h] = ev.origin;
    seg.pending.push(text);
    seg.pendingBytes += length;
    if (seg.pendingBytes >= FLUSH_BYTES) seg.flush();
    seg.live++;
    return h;
  }

  timestamp(h: SpilledHandle): number {
    return this.columns.timestamp[h]!;
  }

  meta(h: SpilledHandle): SpilledMeta {
    const c = this.columns;
    const id = c.eventId[h]!;
    return { eventId: Number.isNaN(id) ? undefined : id, aligned: c.aligned[h]!, seq: c.seq[h]! };
  }

  seq(h: SpilledHandle): number {
    return this.columns.seq[h]!;
  }

  /** The file holding the event's document (for tests). */
  fileOf(h: SpilledHandle): string {
    return this.segment(h).path;
  }

  /** The event as it was given to `add` (its document read back from disk), on `host`. */
  read(h: SpilledHandle, host: string): NormalizedEvent {
    const seg = this.segment(h);
    const c = this.columns;
    const offset = c.offset[h]!;
    const length = c.length[h]!;
    if (offset + length > seg.written) seg.flush();
    const buf = length <= this.buffer.length ? this.buffer : Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = readSync(seg.fd, buf, got, length - got, offset + got);
      if (n === 0) throw new Error(`spilled events: ${seg.path} ends before offset ${offset + length}`);
      got += n;
    }
    const doc = JSON.parse(buf.toString('utf8', 0, length)) as NormalizedEvent['doc'];
    const ev: NormalizedEvent = { doc, timestamp: c.timestamp[h]!, host, origin: this.originOf[h]! };
    const order = c.order[h]!;
    if (!Number.isNaN(order)) ev.order = order;
    return ev;
  }

  /** The event has left the window: its segment is deleted once none of its events is left. */
  release(h: SpilledHandle): void {
    const seg = this.segment(h);
    this.segmentOf[h] = undefined;
    this.originOf[h] = undefined;
    this.free.push(h);
    seg.live--;
    this.dropIfDone(seg);
  }

  private segment(h: SpilledHandle): Segment {
    const seg = this.segmentOf[h];
    if (!seg) throw new Error(`spilled events: no event ${h}`);
    return seg;
  }

  private dropIfDone(seg: Segment): void {
    if (seg.live > 0 || seg === this.current || !this.segments.has(seg)) return;
    this.segments.delete(seg);
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
    for (const seg of this.segments) closeSync(seg.fd);
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
    const path = join(this.dir, `taskcache-${this.made++}.ndjson`);
    const seg = new Segment(path, openSync(path, 'w+'));
    this.segments.add(seg);
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

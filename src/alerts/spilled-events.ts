// Kept events written to disk. TaskCache writes are kept a day for task identity (context-window.ts); on a
// busy fleet that is most of what a hunt holds, and it grows with the input (about 1.5 KB each as objects).
// Past a budget, their projected documents go to files in a scratch directory, and memory keeps only where each
// one is: a `SpilledEvent` of about 150 bytes. They are read back only when an alert of their host is built.
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

/** An event whose document is on disk: what the window needs to order and evict it stays in memory. */
export class SpilledEvent {
  constructor(
    readonly segment: Segment,
    readonly offset: number,
    readonly length: number,
    readonly timestamp: number,
    readonly host: string,
    readonly origin: NormalizedEvent['origin'],
    readonly order: number | undefined,
  ) {}
}

export class SpilledEvents {
  private dir: string | undefined;
  private current: Segment | undefined;
  private readonly segments = new Set<Segment>();
  private closed = false;
  private made = 0;
  private readonly buffer = Buffer.allocUnsafe(64 * 1024);

  /** `tempParent`: where the scratch directory is made (default the system's temp directory). */
  constructor(private readonly tempParent: string = tmpdir()) {}

  /**
   * Writes the event's document and returns what stands for it in memory. `host`: a string equal to `ev.host`
   * to keep instead of it (the caller's one copy for many events).
   */
  add(ev: NormalizedEvent, host: string = ev.host): SpilledEvent {
    if (this.closed) throw new Error('spilled events: used after close');
    if (host !== ev.host) throw new Error('spilled events: the host given is not the event\'s');
    const text = JSON.stringify(ev.doc) + '\n';
    const length = Buffer.byteLength(text);
    let seg = this.current;
    if (!seg || seg.size + length > SEGMENT_BYTES) seg = this.newSegment();
    const out = new SpilledEvent(seg, seg.size, length, ev.timestamp, host, ev.origin, ev.order);
    seg.pending.push(text);
    seg.pendingBytes += length;
    if (seg.pendingBytes >= FLUSH_BYTES) seg.flush();
    seg.live++;
    return out;
  }

  /** The event as it was given to `add` (its document read back from disk). */
  read(s: SpilledEvent): NormalizedEvent {
    const seg = s.segment;
    if (s.offset + s.length > seg.written) seg.flush();
    const buf = s.length <= this.buffer.length ? this.buffer : Buffer.allocUnsafe(s.length);
    let got = 0;
    while (got < s.length) {
      const n = readSync(seg.fd, buf, got, s.length - got, s.offset + got);
      if (n === 0) throw new Error(`spilled events: ${seg.path} ends before offset ${s.offset + s.length}`);
      got += n;
    }
    const doc = JSON.parse(buf.toString('utf8', 0, s.length)) as NormalizedEvent['doc'];
    const ev: NormalizedEvent = { doc, timestamp: s.timestamp, host: s.host, origin: s.origin };
    if (s.order !== undefined) ev.order = s.order;
    return ev;
  }

  /** The event has left the window: its segment is deleted once none of its events is left. */
  release(s: SpilledEvent): void {
    s.segment.live--;
    this.dropIfDone(s.segment);
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

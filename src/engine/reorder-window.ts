// Orders a live stream by event time, per host, within a bounded window (`--lateness`).
// Each host's events wait until that host's newest event time has moved `latenessMs` past them, then go out in
// (time, arrival) order. An event older than what its host already released cannot be put in order: it is
// counted and reported as late (never silently dropped). Hosts are independent, so one host's skewed clock
// never makes another host's events late.
import type { NormalizedEvent } from '../normalize/types.js';
import type { Origin } from '../formats/types.js';
import { TimeHeap } from './event-heap.js';

export interface ReorderWindowOptions {
  latenessMs: number;
  /** Most events held across all hosts; past it the oldest are released early (default 500,000). */
  maxBufferedEvents?: number;
  /** How many late events are kept as examples for the summary (default 10). */
  sampleLimit?: number;
}

export interface LateEvent {
  origin: Origin;
  host: string;
  timestamp: number;
  /** How far behind the host's released time it arrived, in ms. */
  behindMs: number;
}

interface HostWindow {
  heap: TimeHeap<NormalizedEvent>;
  newest: number;
  released: number;
}

export class ReorderWindow {
  lateCount = 0;
  readonly lateSamples: LateEvent[] = [];
  private readonly hosts = new Map<string, HostWindow>();
  private seq = 0;
  private held = 0;
  private readonly lateness: number;
  private readonly maxHeld: number;
  private readonly sampleLimit: number;

  constructor(options: ReorderWindowOptions, private readonly emit: (event: NormalizedEvent) => void) {
    this.lateness = Math.max(0, options.latenessMs);
    this.maxHeld = Math.max(1, options.maxBufferedEvents ?? 500_000);
    this.sampleLimit = options.sampleLimit ?? 10;
  }

  push(event: NormalizedEvent): void {
    let w = this.hosts.get(event.host);
    if (!w) {
      w = { heap: new TimeHeap(), newest: -Infinity, released: -Infinity };
      this.hosts.set(event.host, w);
    }
    if (event.timestamp < w.released) {
      this.lateCount++;
      if (this.lateSamples.length < this.sampleLimit) {
        this.lateSamples.push({ origin: event.origin, host: event.host, timestamp: event.timestamp, behindMs: w.released - event.timestamp });
      }
      return;
    }
    w.heap.push(event, event.timestamp, this.seq++);
    this.held++;
    if (event.timestamp > w.newest) w.newest = event.timestamp;
    const horizon = w.newest - this.lateness;
    while (w.heap.size > 0 && w.heap.peekTime()! <= horizon) this.release(w);
    if (this.held > this.maxHeld) this.releaseOldest();
  }

  /** End of stream: everything still held goes out, host by host in time order. */
  flush(): void {
    for (const w of this.hosts.values()) while (w.heap.size > 0) this.release(w);
  }

  get bufferedCount(): number {
    return this.held;
  }

  private release(w: HostWindow): void {
    const time = w.heap.peekTime()!;
    const event = w.heap.pop()!;
    this.held--;
    w.released = time;
    this.emit(event);
  }

  /** Memory bound: release the globally oldest held event before its window closes. */
  private releaseOldest(): void {
    let oldest: HostWindow | undefined;
    for (const w of this.hosts.values()) {
      if (w.heap.size > 0 && (!oldest || w.heap.peekTime()! < oldest.heap.peekTime()!)) oldest = w;
    }
    if (oldest) this.release(oldest);
  }
}

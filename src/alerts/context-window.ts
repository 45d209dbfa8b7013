// Per-host memory of the events enrichment can use: bounded by time (per clock, so a source whose clock is
// hours off another is not evicted by it) and by a hard cap on the number of events per host.
import type { NormalizedEvent } from '../normalize/types.js';
import { alignedTime, classify, type ContextEvent } from './context-events.js';

/** A FIFO over an array with a moving head (amortized O(1) shift, compacted when half is dead). */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;
  get size(): number {
    return this.items.length - this.head;
  }
  push(v: T): void {
    this.items.push(v);
  }
  peek(): T | undefined {
    return this.items[this.head];
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const v = this.items[this.head]!;
    this.items[this.head++] = undefined as unknown as T;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return v;
  }
  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i]!;
  }
}

class HostWindow {
  readonly clocks = new Map<string, { newest: number; events: Fifo<ContextEvent> }>();
  size = 0;
  /** Newest aligned time seen on this host (all events, not only kept ones). */
  alignedNow = -Infinity;
}

export interface ContextWindowOptions {
  /** How long an event is kept, measured on its own clock. */
  retentionMs: number;
  /** Most events kept per host; the oldest arrivals go first. */
  maxPerHost: number;
}

export class ContextWindow {
  private readonly hosts = new Map<string, HostWindow>();
  private seq = 0;
  constructor(private readonly options: ContextWindowOptions) {}

  /** Notes the host's time and keeps the event when enrichment can use it. */
  observe(ev: NormalizedEvent): void {
    let host = this.hosts.get(ev.host);
    if (!host) {
      host = new HostWindow();
      this.hosts.set(ev.host, host);
    }
    const aligned = alignedTime(ev);
    if (aligned > host.alignedNow) host.alignedNow = aligned;
    const c = classify(ev);
    if (!c) return;
    let clock = host.clocks.get(c.clock);
    if (!clock) {
      clock = { newest: -Infinity, events: new Fifo() };
      host.clocks.set(c.clock, clock);
    }
    if (ev.timestamp > clock.newest) clock.newest = ev.timestamp;
    clock.events.push({ ev, kind: c.kind, eventId: c.eventId, clock: c.clock, aligned, seq: this.seq++ });
    host.size++;
    const horizon = clock.newest - this.options.retentionMs;
    for (let front = clock.events.peek(); front && front.ev.timestamp < horizon; front = clock.events.peek()) {
      clock.events.shift();
      host.size--;
    }
    while (host.size > this.options.maxPerHost) this.evictOldestArrival(host);
  }

  private evictOldestArrival(host: HostWindow): void {
    let victim: Fifo<ContextEvent> | undefined;
    let seq = Infinity;
    for (const c of host.clocks.values()) {
      const f = c.events.peek();
      if (f && f.seq < seq) {
        seq = f.seq;
        victim = c.events;
      }
    }
    if (!victim) return;
    victim.shift();
    host.size--;
  }

  /** Newest aligned time observed on the host (-Infinity when none). */
  alignedNow(host: string): number {
    return this.hosts.get(host)?.alignedNow ?? -Infinity;
  }

  /** Every kept event of the host, clock by clock, oldest first within a clock. */
  *events(host: string): IterableIterator<ContextEvent> {
    const h = this.hosts.get(host);
    if (!h) return;
    for (const c of h.clocks.values()) yield* c.events;
  }

  /** Events kept for the host (for tests and memory accounting). */
  size(host?: string): number {
    if (host !== undefined) return this.hosts.get(host)?.size ?? 0;
    let n = 0;
    for (const h of this.hosts.values()) n += h.size;
    return n;
  }
}

// Per-host memory of the events enrichment can use, bounded by time and by a cap per host, in two classes:
// - short: logons, share accesses, services, processes (frequent on busy hosts): kept for `retentionMs`;
// - identity: task registrations (4698/4699/4702, TaskScheduler events) and TaskCache writes (rare): kept for
//   `identityRetentionMs`, so that a source whose clock is hours off another (OTRF exports: Security in local
//   time, Sysmon in UTC) still finds the task's identity when the other source's events arrive hours later in
//   the hunt's order.
// Time is measured per clock (channel): a clock hours ahead never evicts another's events. TaskCache writes are
// kept as the few fields enrichment reads from them (projectForContext): on a busy fleet they are most of what a
// day of identity holds.
import type { NormalizedEvent } from '../normalize/types.js';
import { alignedTime, classify, projectForContext, type ContextEvent, type ContextKind } from './context-events.js';

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

type RetentionClass = 0 | 1; // 0 short, 1 identity

function classOf(kind: ContextKind): RetentionClass {
  return kind === 'task' || kind === 'taskcache' ? 1 : 0;
}

class HostWindow {
  /** Newest raw time per clock. */
  readonly newest = new Map<string, number>();
  /** Per class: clock → events. */
  readonly queues: [Map<string, Fifo<ContextEvent>>, Map<string, Fifo<ContextEvent>>] = [new Map(), new Map()];
  readonly sizes: [number, number] = [0, 0];
  /** Newest aligned time seen on this host (all events, not only kept ones). */
  alignedNow = -Infinity;
}

export interface ContextWindowOptions {
  /** How long a short-class event is kept, measured on its own clock. */
  retentionMs: number;
  /** Most short-class events kept per host; the oldest arrivals go first. */
  maxPerHost: number;
  /** How long identity events (task registrations, TaskCache writes) are kept (default 24 h). */
  identityRetentionMs?: number;
  /** Most identity events kept per host (default 10,000). */
  maxIdentityPerHost?: number;
}

export class ContextWindow {
  private readonly hosts = new Map<string, HostWindow>();
  private seq = 0;
  private readonly retention: [number, number];
  private readonly caps: [number, number];

  constructor(options: ContextWindowOptions) {
    this.retention = [options.retentionMs, Math.max(options.retentionMs, options.identityRetentionMs ?? 24 * 3600_000)];
    this.caps = [options.maxPerHost, Math.max(1, options.maxIdentityPerHost ?? 10_000)];
  }

  /** Notes the host's time and keeps the event when enrichment can use it. */
  observe(ev: NormalizedEvent): void {
    let host = this.hosts.get(ev.host);
    if (!host) {
      host = new HostWindow();
      this.hosts.set(ev.host, host);
    }
    const aligned = alignedTime(ev);
    if (aligned > host.alignedNow) host.alignedNow = aligned;
    // An event without a usable time cannot be placed in a window (and would stall time-based eviction).
    if (!Number.isFinite(ev.timestamp)) return;
    const c = classify(ev);
    if (!c) return;
    const newest = Math.max(host.newest.get(c.clock) ?? -Infinity, ev.timestamp);
    host.newest.set(c.clock, newest);
    const cls = classOf(c.kind);
    const queues = host.queues[cls];
    let q = queues.get(c.clock);
    if (!q) {
      q = new Fifo();
      queues.set(c.clock, q);
    }
    q.push({ ev: projectForContext(ev, c.kind), kind: c.kind, eventId: c.eventId, clock: c.clock, aligned, seq: this.seq++ });
    host.sizes[cls]++;
    const horizon = newest - this.retention[cls];
    for (let front = q.peek(); front && front.ev.timestamp < horizon; front = q.peek()) {
      q.shift();
      host.sizes[cls]--;
    }
    while (host.sizes[cls] > this.caps[cls] && this.evictOldestArrival(host, cls));
  }

  private evictOldestArrival(host: HostWindow, cls: RetentionClass): boolean {
    let victim: Fifo<ContextEvent> | undefined;
    let seq = Infinity;
    for (const q of host.queues[cls].values()) {
      const f = q.peek();
      if (f && f.seq < seq) {
        seq = f.seq;
        victim = q;
      }
    }
    if (!victim) return false;
    victim.shift();
    host.sizes[cls]--;
    return true;
  }

  /** Newest aligned time observed on the host (-Infinity when none). */
  alignedNow(host: string): number {
    return this.hosts.get(host)?.alignedNow ?? -Infinity;
  }

  /** Every kept event of the host, clock by clock, oldest first within a clock. */
  *events(host: string): IterableIterator<ContextEvent> {
    const h = this.hosts.get(host);
    if (!h) return;
    for (const queues of h.queues) for (const q of queues.values()) yield* q;
  }

  /** Events kept (for one host, or all) — for tests and memory accounting. */
  size(host?: string): number {
    if (host !== undefined) {
      const h = this.hosts.get(host);
      return h ? h.sizes[0] + h.sizes[1] : 0;
    }
    let n = 0;
    for (const h of this.hosts.values()) n += h.sizes[0] + h.sizes[1];
    return n;
  }
}

// Per-host memory of the events enrichment can use, bounded by time and by a cap per host, in two classes:
// - short: logons, share accesses, services, processes (frequent on busy hosts): kept for `retentionMs`;
// - identity: task registrations (4698/4699/4702, TaskScheduler events) and TaskCache writes (rare): kept for
//   `identityRetentionMs`, so that a source whose clock is hours off another (OTRF exports: Security in local
//   time, Sysmon in UTC) still finds the task's identity when the other source's events arrive hours later in
//   the hunt's order.
// Time is measured per clock (channel): a clock hours ahead never evicts another's events. TaskCache writes are
// kept as the few fields enrichment reads from them (projectForContext): on a busy fleet they are most of what a
// day of identity holds, so past a budget they go to disk (spilled-events.ts) and are read back for alerts only.
import type { NormalizedEvent } from '../normalize/types.js';
import { alignedTime, classify, projectForContext, type ContextEvent, type ContextKind } from './context-events.js';
import { Fifo } from './fifo.js';
import { SpilledEvents, type SpilledHandle } from './spilled-events.js';

type RetentionClass = 0 | 1; // 0 short, 1 identity

/** A kept event: in memory, or a handle to one on disk (TaskCache writes past the budget: no object each). */
type Kept = ContextEvent | SpilledHandle;

function classOf(kind: ContextKind): RetentionClass {
  return kind === 'task' || kind === 'taskcache' ? 1 : 0;
}

const NO_CLOCKS: readonly ClockWindow[] = Object.freeze([]);

/** One clock of a host: its newest raw time, and its kept events per class (made on first use). */
class ClockWindow {
  newest = -Infinity;
  short: Fifo<Kept> | undefined = undefined;
  identity: Fifo<Kept> | undefined = undefined;
  constructor(readonly clock: string) {}

  queue(cls: RetentionClass): Fifo<Kept> | undefined {
    return cls === 0 ? this.short : this.identity;
  }
}

// Fields and exactly sized arrays, not Maps or tuples: a host has a clock or two, and a fleet thousands of hosts
// (three Maps per host took about 450 bytes more, and each small array pushed to reserves 17 slots).
class HostWindow {
  clocks: readonly ClockWindow[] = NO_CLOCKS;
  /** Per class: the clocks holding such events, in the order they first did (the order `events` gives). */
  shortClocks: readonly ClockWindow[] = NO_CLOCKS;
  identityClocks: readonly ClockWindow[] = NO_CLOCKS;
  shortSize = 0;
  identitySize = 0;
  /** Newest aligned time seen on this host (all events, not only kept ones). */
  alignedNow = -Infinity;
  /** The host's name: its spilled events are read back with it (one copy for all of them). */
  constructor(readonly name: string) {}

  clock(name: string): ClockWindow {
    for (const c of this.clocks) if (c.clock === name) return c;
    const c = new ClockWindow(name);
    this.clocks = [...this.clocks, c];
    return c;
  }

  queue(clock: ClockWindow, cls: RetentionClass): Fifo<Kept> {
    let q = clock.queue(cls);
    if (!q) {
      q = new Fifo();
      if (cls === 0) {
        clock.short = q;
        this.shortClocks = [...this.shortClocks, clock];
      } else {
        clock.identity = q;
        this.identityClocks = [...this.identityClocks, clock];
      }
    }
    return q;
  }

  clocksOf(cls: RetentionClass): readonly ClockWindow[] {
    return cls === 0 ? this.shortClocks : this.identityClocks;
  }

  size(cls: RetentionClass): number {
    return cls === 0 ? this.shortSize : this.identitySize;
  }

  count(cls: RetentionClass, delta: 1 | -1): void {
    if (cls === 0) this.shortSize += delta;
    else this.identitySize += delta;
  }
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
  /** TaskCache writes kept in memory (all hosts); later ones go to disk until some leave (default 1,024). */
  taskCacheInMemory?: number;
  /** Where the directory for those on disk is made (default the system's temp directory). */
  tempDir?: string;
}

export class ContextWindow {
  private readonly hosts = new Map<string, HostWindow>();
  private seq = 0;
  private readonly retention: [number, number];
  private readonly caps: [number, number];
  private readonly taskCacheBudget: number;
  private taskCacheInMemory = 0;
  private spill: SpilledEvents | undefined;
  private spilled = 0;
  /** The documents of one host's spilled events, read back for its last alert (its next ones often follow). */
  private recalled: { host: string; events: Map<SpilledHandle, NormalizedEvent> } | undefined;

  constructor(private readonly options: ContextWindowOptions) {
    this.retention = [options.retentionMs, Math.max(options.retentionMs, options.identityRetentionMs ?? 24 * 3600_000)];
    this.caps = [options.maxPerHost, Math.max(1, options.maxIdentityPerHost ?? 10_000)];
    this.taskCacheBudget = Math.max(0, options.taskCacheInMemory ?? 1024);
  }

  /** Notes the host's time and keeps the event when enrichment can use it. */
  observe(ev: NormalizedEvent): void {
    let host = this.hosts.get(ev.host);
    if (!host) {
      host = new HostWindow(ev.host);
      this.hosts.set(ev.host, host);
    }
    const aligned = alignedTime(ev);
    if (aligned > host.alignedNow) host.alignedNow = aligned;
    // An event without a usable time cannot be placed in a window (and would stall time-based eviction).
    if (!Number.isFinite(ev.timestamp)) return;
    const c = classify(ev);
    if (!c) return;
    const clock = host.clock(c.clock);
    const newest = (clock.newest = Math.max(clock.newest, ev.timestamp));
    const cls = classOf(c.kind);
    const q = host.queue(clock, cls);
    const projected = projectForContext(ev, c.kind);
    const seq = this.seq++;
    if (c.kind === 'taskcache' && this.taskCacheInMemory >= this.taskCacheBudget) {
      q.push((this.spill ??= new SpilledEvents(this.options.tempDir)).add(projected, { eventId: c.eventId, aligned, seq }));
      this.spilled++;
    } else {
      if (c.kind === 'taskcache') this.taskCacheInMemory++;
      q.push({ ev: projected, kind: c.kind, eventId: c.eventId, clock: c.clock, aligned, seq });
    }
    host.count(cls, 1);
    const horizon = newest - this.retention[cls];
    for (let front = q.peek(); front !== undefined && this.timeOf(front) < horizon; front = q.peek()) this.drop(host, cls, q);
    while (host.size(cls) > this.caps[cls] && this.evictOldestArrival(host, cls));
  }

  /** Takes the front event of `q` out of the window. */
  private drop(host: HostWindow, cls: RetentionClass, q: Fifo<Kept>): void {
    const k = q.shift()!;
    host.count(cls, -1);
    if (typeof k === 'number') {
      this.spill!.release(k);
      this.recalled?.events.delete(k); // the handle may be given out again
    } else if (k.kind === 'taskcache') this.taskCacheInMemory--;
  }

  private timeOf(k: Kept): number {
    return typeof k === 'number' ? this.spill!.timestamp(k) : k.ev.timestamp;
  }

  private evictOldestArrival(host: HostWindow, cls: RetentionClass): boolean {
    let victim: Fifo<Kept> | undefined;
    let seq = Infinity;
    for (const clock of host.clocksOf(cls)) {
      const q = clock.queue(cls)!;
      const f = q.peek();
      if (f === undefined) continue;
      const s = typeof f === 'number' ? this.spill!.seq(f) : f.seq;
      if (s < seq) {
        seq = s;
        victim = q;
      }
    }
    if (!victim) return false;
    this.drop(host, cls, victim);
    return true;
  }

  /** Newest aligned time observed on the host (-Infinity when none). */
  alignedNow(host: string): number {
    return this.hosts.get(host)?.alignedNow ?? -Infinity;
  }

  /** Every kept event of the host, clock by clock, oldest first within a clock (those on disk read back). */
  *events(host: string): IterableIterator<ContextEvent> {
    const h = this.hosts.get(host);
    if (!h) return;
    for (const cls of [0, 1] as const) {
      for (const clock of h.clocksOf(cls)) {
        for (const k of clock.queue(cls)!) {
          if (typeof k !== 'number') yield k;
          else {
            const { eventId, aligned, seq } = this.spill!.meta(k);
            yield { ev: this.recall(host, k), kind: 'taskcache', eventId, clock: clock.clock, aligned, seq };
          }
        }
      }
    }
  }

  private recall(host: string, s: SpilledHandle): NormalizedEvent {
    if (this.recalled?.host !== host) this.recalled = { host, events: new Map() };
    let ev = this.recalled.events.get(s);
    if (!ev) {
      ev = this.spill!.read(s, host);
      this.recalled.events.set(s, ev);
    }
    return ev;
  }

  /** TaskCache writes that went to disk so far. */
  get spilledCount(): number {
    return this.spilled;
  }

  /** Empties the window and deletes its files on disk (the end of input). */
  close(): void {
    this.spill?.close();
    this.spill = undefined;
    this.recalled = undefined;
    this.hosts.clear();
    this.taskCacheInMemory = 0;
  }

  /** Events kept (for one host, or all) — for tests and memory accounting. */
  size(host?: string): number {
    if (host !== undefined) {
      const h = this.hosts.get(host);
      return h ? h.shortSize + h.identitySize : 0;
    }
    let n = 0;
    for (const h of this.hosts.values()) n += h.shortSize + h.identitySize;
    return n;
  }
}

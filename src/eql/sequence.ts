// The incremental sequence state machine, as Elasticsearch runs it: per join key, each stage holds one
// pending sequence and a newer one overwrites it; an event advances stage k-1 → k (stages tried from last to
// first, so an event never advances a sequence it just moved); maxspan is inclusive (last − first <= maxspan);
// `until` kills the pending sequences of its key (a completion by the until event itself still counts, as in
// Elasticsearch, where the until must lie before the advancing event); missing-event stages (`![...]`) are checked as
// Elasticsearch checks them after the positive events matched (see README "missing events").
import type { Match, Matcher } from './api.js';

/** What the matcher needs of one (runs-expanded) stage. */
export interface SeqStageRt {
  test(doc: unknown): boolean;
  /** Join keys of the event: [encoded key, values] per combination; null when a required key is null. */
  keys(doc: unknown): Array<[string, unknown[]]> | null;
  missing: boolean;
}

export interface SequenceSpec {
  stages: SeqStageRt[];
  until?: SeqStageRt;
  maxspanMs?: number;
  /** Event time when push() is not given one (epoch ms, NaN when absent). */
  timestampOf(doc: unknown): number;
}

interface Seq<E> {
  key: string;
  keyValues: unknown[];
  events: Array<E | null>;
  start: number;
  last: number;
  /** Serial of the event that last moved it. */
  serial: number;
  /** Index into the positive stages where it waits. */
  at: number;
  /** First middle missing-event hit after `last` (Infinity when none). */
  poisonAt: number;
  discarded: boolean;
  lastLeading: number | null;
}

interface Trailing<E> {
  seq: Seq<E>;
  /** Accepted once event time passes deadline; rejected by a trailing missing hit at or before it. */
  deadline: number;
  dead: boolean;
}

const ms = Math.floor;

export class SequenceMatcher<E> implements Matcher<E> {
  private readonly positive: number[] = [];
  private readonly maps: Array<Map<string, Seq<E>>> = [];
  /** Missing stages: where they sit relative to the positives. */
  private readonly leading: SeqStageRt[] = [];
  private readonly leadMaps: Array<Map<string, { last: number; prev: number | null }>> = [];
  private readonly middle: Array<{ stage: SeqStageRt; after: number }> = [];
  private readonly trailing: SeqStageRt[] = [];
  private readonly trailingByKey = new Map<string, Trailing<E>[]>();
  private trailingList: Trailing<E>[] = [];
  private minDeadline = Infinity;
  private fifo: Seq<E>[] = [];
  private fifoHead = 0;
  private serial = 0;
  private lastTs = -Infinity;
  private lastSweep = -Infinity;
  private readonly n: number;

  constructor(private readonly spec: SequenceSpec) {
    const stages = spec.stages;
    this.n = stages.length;
    stages.forEach((s, i) => {
      if (!s.missing) this.positive.push(i);
    });
    const first = this.positive[0]!;
    const lastPos = this.positive[this.positive.length - 1]!;
    stages.forEach((s, i) => {
      if (!s.missing) return;
      if (i < first) {
        this.leading.push(s);
        this.leadMaps.push(new Map());
      } else if (i > lastPos) this.trailing.push(s);
      else this.middle.push({ stage: s, after: this.positive.filter((p) => p < i).length - 1 });
    });
    for (let k = 0; k < this.positive.length - 1; k++) this.maps.push(new Map());
  }

  get pendingCount(): number {
    let c = 0;
    for (const m of this.maps) c += m.size;
    for (const t of this.trailingList) if (!t.dead) c++;
    return c;
  }

  push(event: E, timestamp?: number): Match<E>[] {
    let ts = timestamp ?? this.spec.timestampOf(event);
    if (typeof ts !== 'number' || Number.isNaN(ts)) ts = this.lastTs === -Infinity ? 0 : this.lastTs;
    this.lastTs = ts;
    const serial = ++this.serial;
    const out: Match<E>[] = [];
    const maxspan = this.spec.maxspanMs;
    if (maxspan !== undefined) {
      this.expire(ts, maxspan);
      if (ts > this.minDeadline) this.resolveTrailing(ts, out);
    }
    const doc = event as unknown;
    // Missing-event stages first: their checks are strict in time, so order within one instant is moot.
    for (let i = 0; i < this.leading.length; i++) {
      const st = this.leading[i]!;
      if (!st.test(doc)) continue;
      const keys = st.keys(doc);
      if (!keys) continue;
      const map = this.leadMaps[i]!;
      for (const [key] of keys) {
        const e = map.get(key);
        if (!e) map.set(key, { last: ts, prev: null });
        else if (ms(ts) > ms(e.last)) {
          e.prev = e.last;
          e.last = ts;
        } else e.last = ts;
      }
    }
    for (const { stage, after } of this.middle) {
      if (!stage.test(doc)) continue;
      const keys = stage.keys(doc);
      if (!keys) continue;
      const map = this.maps[after];
      if (!map) continue;
      for (const [key] of keys) {
        const s = map.get(key);
        if (s && s.poisonAt === Infinity && ms(ts) > ms(s.last)) s.poisonAt = ts;
      }
    }
    for (const st of this.trailing) {
      if (this.trailingByKey.size === 0 || !st.test(doc)) continue;
      const keys = st.keys(doc);
      if (!keys) continue;
      for (const [key] of keys) {
        const list = this.trailingByKey.get(key);
        if (!list) continue;
        for (const t of list) {
          if (!t.dead && ms(ts) > ms(t.seq.last) && ts <= t.deadline) t.dead = true;
        }
        const live = list.filter((t) => !t.dead && ts <= t.deadline);
        if (live.length === 0) this.trailingByKey.delete(key);
        else if (live.length !== list.length) this.trailingByKey.set(key, live);
      }
    }
    // Positive stages, last first.
    const P = this.positive;
    const lastK = P.length - 1;
    for (let k = lastK; k >= 0; k--) {
      const st = this.spec.stages[P[k]!]!;
      if (!st.test(doc)) continue;
      const keys = st.keys(doc);
      if (!keys) continue;
      for (const [key, values] of keys) {
        if (k === 0) {
          const seq: Seq<E> = {
            key, keyValues: values, events: new Array(this.n).fill(null), start: ts, last: ts, serial, at: 0,
            poisonAt: Infinity, discarded: false, lastLeading: this.leadingBefore(key, ts),
          };
          seq.events[P[0]!] = event;
          if (lastK === 0) this.complete(seq, out);
          else {
            this.maps[0]!.set(key, seq);
            this.fifo.push(seq);
          }
          continue;
        }
        const prevMap = this.maps[k - 1]!;
        const seq = prevMap.get(key);
        if (!seq || seq.serial === serial) continue;
        prevMap.delete(key);
        if (maxspan !== undefined && ts - seq.start > maxspan) continue;
        if (seq.poisonAt !== Infinity) {
          if (ms(seq.poisonAt) < ms(ts)) seq.discarded = true;
          seq.poisonAt = Infinity;
        }
        seq.events[P[k]!] = event;
        seq.last = ts;
        seq.serial = serial;
        if (k === lastK) this.complete(seq, out);
        else {
          seq.at = k;
          this.maps[k]!.set(key, seq);
        }
      }
    }
    const until = this.spec.until;
    if (until && until.test(doc)) {
      const keys = until.keys(doc);
      if (keys) {
        for (const [key] of keys) {
          for (const map of this.maps) {
            // Elasticsearch rejects an advance when an until event lies at or after the sequence's last
            // event and before the advancing one: so this kills what this very event created or moved too.
            map.delete(key);
          }
        }
      }
    }
    return out;
  }

  flush(): Match<E>[] {
    const out: Match<E>[] = [];
    for (const t of this.trailingList) if (!t.dead) out.push(this.toMatch(t.seq));
    this.trailingList = [];
    this.trailingByKey.clear();
    this.minDeadline = Infinity;
    for (const m of this.maps) m.clear();
    for (const m of this.leadMaps) m.clear();
    this.fifo = [];
    this.fifoHead = 0;
    return out;
  }

  private leadingBefore(key: string, ts: number): number | null {
    let best: number | null = null;
    for (const map of this.leadMaps) {
      const e = map.get(key);
      if (!e) continue;
      const v = ms(e.last) < ms(ts) ? e.last : e.prev;
      if (v !== null && (best === null || v > best)) best = v;
    }
    return best;
  }

  private toMatch(seq: Seq<E>): Match<E> {
    return { events: seq.events, joinKeys: seq.keyValues };
  }

  private complete(seq: Seq<E>, out: Match<E>[]): void {
    if (seq.discarded) return;
    const maxspan = this.spec.maxspanMs ?? Infinity;
    const leadingMissing = this.leading.length > 0;
    if (this.trailing.length > 0) {
      if (leadingMissing && seq.lastLeading === null) {
        out.push(this.toMatch(seq));
        return;
      }
      const anchor = leadingMissing ? seq.lastLeading! : seq.start;
      const t: Trailing<E> = { seq, deadline: anchor + maxspan, dead: false };
      this.trailingList.push(t);
      const list = this.trailingByKey.get(seq.key);
      if (list) list.push(t);
      else this.trailingByKey.set(seq.key, [t]);
      if (t.deadline < this.minDeadline) this.minDeadline = t.deadline;
      return;
    }
    if (leadingMissing && seq.lastLeading !== null && !(seq.last - seq.lastLeading > maxspan)) return;
    out.push(this.toMatch(seq));
  }

  private resolveTrailing(ts: number, out: Match<E>[]): void {
    const keep: Trailing<E>[] = [];
    let min = Infinity;
    for (const t of this.trailingList) {
      if (t.dead) continue;
      if (ts > t.deadline) {
        t.dead = true;
        out.push(this.toMatch(t.seq));
      } else {
        keep.push(t);
        if (t.deadline < min) min = t.deadline;
      }
    }
    this.trailingList = keep;
    this.minDeadline = min;
    for (const [key, list] of this.trailingByKey) {
      const live = list.filter((t) => !t.dead);
      if (live.length === 0) this.trailingByKey.delete(key);
      else if (live.length !== list.length) this.trailingByKey.set(key, live);
    }
  }

  /** Drops partial sequences that can no longer complete (start older than maxspan). */
  private expire(ts: number, maxspan: number): void {
    const fifo = this.fifo;
    while (this.fifoHead < fifo.length) {
      const s = fifo[this.fifoHead]!;
      if (ts - s.start <= maxspan) break;
      this.fifoHead++;
      const map = this.maps[s.at];
      if (map && map.get(s.key) === s) map.delete(s.key);
    }
    if (this.fifoHead > 1024 && this.fifoHead * 2 > fifo.length) {
      this.fifo = fifo.slice(this.fifoHead);
      this.fifoHead = 0;
    }
    if (this.leadMaps.length > 0 && ts - this.lastSweep > maxspan) {
      this.lastSweep = ts;
      for (const map of this.leadMaps) for (const [k, e] of map) if (ts - e.last > maxspan) map.delete(k);
    }
  }
}

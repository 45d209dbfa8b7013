// A binary min-heap ordered by (time, seq), with keys in parallel arrays so pushing an event allocates nothing.
// Used by the reorder window (per host) and the k-way merge of sorted runs.

export class TimeHeap<T> {
  private readonly times: number[] = [];
  private readonly seqs: number[] = [];
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  /** Smallest time held (undefined when empty). */
  peekTime(): number | undefined {
    return this.times[0];
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T, time: number, seq: number): void {
    const { times, seqs, items } = this;
    let i = items.length;
    items.push(item);
    times.push(time);
    seqs.push(seq);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(time, seq, times[parent]!, seqs[parent]!)) break;
      items[i] = items[parent]!;
      times[i] = times[parent]!;
      seqs[i] = seqs[parent]!;
      i = parent;
    }
    items[i] = item;
    times[i] = time;
    seqs[i] = seq;
  }

  pop(): T | undefined {
    const { times, seqs, items } = this;
    const n = items.length;
    if (n === 0) return undefined;
    const top = items[0]!;
    const lastItem = items.pop()!;
    const lastTime = times.pop()!;
    const lastSeq = seqs.pop()!;
    if (n === 1) return top;
    const size = n - 1;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= size) break;
      const right = left + 1;
      const child = right < size && before(times[right]!, seqs[right]!, times[left]!, seqs[left]!) ? right : left;
      if (!before(times[child]!, seqs[child]!, lastTime, lastSeq)) break;
      items[i] = items[child]!;
      times[i] = times[child]!;
      seqs[i] = seqs[child]!;
      i = child;
    }
    items[i] = lastItem;
    times[i] = lastTime;
    seqs[i] = lastSeq;
    return top;
  }
}

function before(t1: number, s1: number, t2: number, s2: number): boolean {
  return t1 < t2 || (t1 === t2 && s1 < s2);
}

// A first-in first-out queue for the context window (context-window.ts), which keeps one or two per host and clock
// on fleets of thousands of hosts: a ring over an array sized to what it holds (a power of two, doubled when full,
// halved when a quarter full), where an array pushed to reserves 17 slots at its second push (V8 grows it by half
// plus 16), and most hosts keep a few events.

const NO_ITEMS: never[] = [];

export class Fifo<T> {
  private items: Array<T | undefined> = NO_ITEMS;
  private head = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(v: T): void {
    if (this.count === this.items.length) this.resize(Math.max(1, this.items.length * 2));
    this.items[(this.head + this.count) & (this.items.length - 1)] = v;
    this.count++;
  }

  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head];
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const v = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.count--;
    // A host that once held many gives the room back as they leave.
    if (this.items.length > 8 && this.count * 4 <= this.items.length) this.resize(this.items.length / 2);
    return v;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.count; i++) yield this.items[(this.head + i) & (this.items.length - 1)]!;
  }

  /** Capacity of the ring (for tests and memory accounting). */
  get capacity(): number {
    return this.items.length;
  }

  private resize(capacity: number): void {
    const next = new Array<T | undefined>(capacity);
    for (let i = 0; i < this.count; i++) next[i] = this.items[(this.head + i) & (this.items.length - 1)];
    this.items = next;
    this.head = 0;
  }
}

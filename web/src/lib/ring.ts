// A fixed-capacity ring of the newest items: the live tail keeps at most `capacity` events whatever the
// rate, so memory stays flat at 5,000 events/s. Pure.

export class Ring<T> {
  private readonly items: Array<T | undefined>;
  private start = 0;
  private count = 0;
  /** Items pushed since creation (or clear); the live tail shows it as the total received. */
  total = 0;

  constructor(readonly capacity: number) {
    this.items = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  push(item: T): void {
    this.total++;
    if (this.count < this.capacity) {
      this.items[(this.start + this.count) % this.capacity] = item;
      this.count++;
    } else {
      this.items[this.start] = item;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  pushAll(items: readonly T[]): void {
    // Only the last `capacity` of a huge batch can survive: skip the rest without copying them.
    const from = Math.max(0, items.length - this.capacity);
    this.total += from;
    for (let i = from; i < items.length; i++) this.push(items[i] as T);
  }

  /** Item `i` counted from the oldest kept one. */
  at(i: number): T | undefined {
    if (i < 0 || i >= this.count) return undefined;
    return this.items[(this.start + i) % this.capacity];
  }

  clear(): void {
    this.items.fill(undefined);
    this.start = 0;
    this.count = 0;
    this.total = 0;
  }

  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.at(i) as T);
    return out;
  }
}

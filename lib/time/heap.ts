// A binary min-heap of timer entries ordered by (deadline, insertion order). Each entry remembers its slot so
// cancelling is O(log n) without a lookup map; the entry object itself is the handle given to callers.

export interface TimerEntry {
  at: number;
  seq: number;
  fn: (() => void) | null;
  /** Position in the heap array; -1 once fired or cancelled. */
  slot: number;
  /** Timer group (0 = none), so a group's entries can be dropped at once. */
  group: number;
}

export class TimerHeap {
  private readonly items: TimerEntry[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  peek(): TimerEntry | undefined {
    return this.items[0];
  }

  push(at: number, fn: () => void, group = 0): TimerEntry {
    const entry: TimerEntry = { at, seq: this.seq++, fn, slot: this.items.length, group };
    this.items.push(entry);
    this.up(entry.slot);
    return entry;
  }

  /** Removes and returns the earliest entry. */
  pop(): TimerEntry | undefined {
    const top = this.items[0];
    if (top !== undefined) this.removeAt(0);
    return top;
  }

  /** Removes `entry` if it is still queued; returns whether it was. */
  remove(entry: TimerEntry): boolean {
    const slot = entry.slot;
    if (slot < 0 || this.items[slot] !== entry) return false;
    this.removeAt(slot);
    return true;
  }

  /** Removes every entry of `group` (O(n), for rare bulk drops). */
  removeGroup(group: number): void {
    const keep: TimerEntry[] = [];
    for (const e of this.items) {
      if (e.group === group) {
        e.slot = -1;
        e.fn = null;
      } else keep.push(e);
    }
    this.items.length = 0;
    for (const e of keep) {
      e.slot = this.items.length;
      this.items.push(e);
      this.up(e.slot);
    }
  }

  clear(): void {
    for (const e of this.items) e.slot = -1;
    this.items.length = 0;
  }

  private removeAt(slot: number): void {
    const items = this.items;
    const removed = items[slot] as TimerEntry;
    const last = items.pop() as TimerEntry;
    removed.slot = -1;
    if (last === removed) return;
    items[slot] = last;
    last.slot = slot;
    this.down(slot);
    this.up(last.slot);
  }

  private less(a: TimerEntry, b: TimerEntry): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private up(slot: number): void {
    const items = this.items;
    const e = items[slot] as TimerEntry;
    while (slot > 0) {
      const parentSlot = (slot - 1) >> 1;
      const parent = items[parentSlot] as TimerEntry;
      if (!this.less(e, parent)) break;
      items[slot] = parent;
      parent.slot = slot;
      slot = parentSlot;
    }
    items[slot] = e;
    e.slot = slot;
  }

  private down(slot: number): void {
    const items = this.items;
    const n = items.length;
    const e = items[slot] as TimerEntry;
    for (;;) {
      const l = 2 * slot + 1;
      if (l >= n) break;
      const r = l + 1;
      let child = l;
      if (r < n && this.less(items[r] as TimerEntry, items[l] as TimerEntry)) child = r;
      const c = items[child] as TimerEntry;
      if (!this.less(c, e)) break;
      items[slot] = c;
      c.slot = slot;
      slot = child;
    }
    items[slot] = e;
    e.slot = slot;
  }
}

/**
 * A priority queue of events in simulated milliseconds. Ties in time are broken by insertion
 * order, so two runs that schedule the same events in the same order pop them identically
 * (a heap alone is not stable; the sequence number makes it so).
 */
interface Entry<E> {
  atMs: number;
  seq: number;
  event: E;
}

export class EventQueue<E> {
  private readonly heap: Array<Entry<E>> = [];
  private nextSeq = 0;

  get size(): number {
    return this.heap.length;
  }

  schedule(atMs: number, event: E): void {
    if (!Number.isFinite(atMs)) throw new RangeError(`event time must be finite, got ${atMs}`);
    this.heap.push({ atMs, seq: this.nextSeq++, event });
    this.siftUp(this.heap.length - 1);
  }

  /** Time of the earliest event, or null when empty. */
  peekTime(): number | null {
    return this.heap[0]?.atMs ?? null;
  }

  pop(): { atMs: number; event: E } | null {
    const top = this.heap[0];
    if (top === undefined) return null;
    const last = this.heap.pop() as Entry<E>;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.siftDown(0);
    }
    return { atMs: top.atMs, event: top.event };
  }

  private before(i: number, j: number): boolean {
    const a = this.heap[i] as Entry<E>;
    const b = this.heap[j] as Entry<E>;
    return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
  }

  private swap(i: number, j: number): void {
    const t = this.heap[i] as Entry<E>;
    this.heap[i] = this.heap[j] as Entry<E>;
    this.heap[j] = t;
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const n = this.heap.length;
    while (true) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < n && this.before(left, smallest)) smallest = left;
      if (right < n && this.before(right, smallest)) smallest = right;
      if (smallest === i) return;
      this.swap(i, smallest);
      i = smallest;
    }
  }
}

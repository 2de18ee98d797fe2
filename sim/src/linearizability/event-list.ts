import type { TimelineEvent } from './timeline';

export const END = -1;

/**
 * The timeline as a doubly linked list from which an operation's call and return can be
 * lifted while the search tries it at some position, and restored in O(1) when it
 * backtracks ("dancing links"). Restoring must happen in the reverse order of lifting.
 */
export class EventList {
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  /** For a call event, its return event (END when the op is pending). */
  private readonly returnOf: Int32Array;
  private readonly head: number;

  constructor(events: readonly TimelineEvent[]) {
    const count = events.length;
    this.head = count;
    this.next = new Int32Array(count + 1);
    this.prev = new Int32Array(count + 1);
    this.returnOf = new Int32Array(count).fill(END);
    const callEventOfOp = new Map<number, number>();
    events.forEach((event, index) => {
      this.next[index] = index + 1 < count ? index + 1 : END;
      this.prev[index] = index === 0 ? this.head : index - 1;
      if (event.kind === 'call') callEventOfOp.set(event.op, index);
      else this.returnOf[callEventOfOp.get(event.op) ?? END] = index;
    });
    this.next[this.head] = count > 0 ? 0 : END;
  }

  first(): number {
    return this.at(this.next, this.head);
  }

  after(event: number): number {
    return this.at(this.next, event);
  }

  /** Takes an operation (given by its call event) out of the timeline. */
  lift(callEvent: number): void {
    this.unlink(callEvent);
    const returnEvent = this.at(this.returnOf, callEvent);
    if (returnEvent !== END) this.unlink(returnEvent);
  }

  /** Undoes the matching `lift`; the list must be as that lift left it. */
  restore(callEvent: number): void {
    const returnEvent = this.at(this.returnOf, callEvent);
    if (returnEvent !== END) this.relink(returnEvent);
    this.relink(callEvent);
  }

  private unlink(event: number): void {
    const before = this.at(this.prev, event);
    const after = this.at(this.next, event);
    this.next[before] = after;
    if (after !== END) this.prev[after] = before;
  }

  private relink(event: number): void {
    const before = this.at(this.prev, event);
    const after = this.at(this.next, event);
    this.next[before] = event;
    if (after !== END) this.prev[after] = event;
  }

  private at(array: Int32Array, index: number): number {
    const value = array[index];
    if (value === undefined) throw new Error(`event list index ${index} out of range`);
    return value;
  }
}

import { EventQueue } from '../../src/events/event-queue';
import { Prng } from '../../src/random/prng';

function drain<E>(queue: EventQueue<E>): Array<[number, E]> {
  const out: Array<[number, E]> = [];
  for (let next = queue.pop(); next !== null; next = queue.pop()) out.push([next.atMs, next.event]);
  return out;
}

describe('EventQueue', () => {
  it('pops in time order, and in insertion order at equal times', () => {
    const queue = new EventQueue<string>();
    queue.schedule(5, 'c');
    queue.schedule(1, 'a');
    queue.schedule(5, 'd');
    queue.schedule(3, 'b');
    queue.schedule(5, 'e');
    expect(drain(queue)).toEqual([
      [1, 'a'],
      [3, 'b'],
      [5, 'c'],
      [5, 'd'],
      [5, 'e'],
    ]);
    expect(queue.pop()).toBeNull();
    expect(queue.peekTime()).toBeNull();
  });

  it('is deterministic and stable for many random events', () => {
    const run = (): Array<[number, number]> => {
      const rng = new Prng(11);
      const queue = new EventQueue<number>();
      for (let i = 0; i < 5000; i++) queue.schedule(rng.intBelow(50), i);
      return drain(queue);
    };
    const first = run();
    expect(run()).toEqual(first);
    for (let i = 1; i < first.length; i++) {
      const [prevTime, prevId] = first[i - 1] as [number, number];
      const [time, id] = first[i] as [number, number];
      expect(time > prevTime || (time === prevTime && id > prevId)).toBe(true);
    }
  });

  it('accepts events scheduled while draining', () => {
    const queue = new EventQueue<string>();
    queue.schedule(10, 'first');
    const first = queue.pop();
    queue.schedule(10, 'same instant');
    queue.schedule(12, 'later');
    expect(first?.event).toBe('first');
    expect(drain(queue).map(([, e]) => e)).toEqual(['same instant', 'later']);
  });

  it('rejects non-finite times', () => {
    expect(() => new EventQueue<string>().schedule(Number.NaN, 'x')).toThrow(RangeError);
  });
});

import { latencyTimeline } from '../src/bench/latency-timeline';

describe('latencyTimeline', () => {
  it('slices commands by when they came due, not when they were answered', () => {
    // Window opens at 1,000 ms. Two commands due at 1,100 ms (one answered late), one at 1,300.
    const c = { atMs: [1_150, 1_700, 1_350], latencyMs: [50, 600, 50], unanswered: 0 };
    expect(latencyTimeline(c, 1_000, 2_000)).toEqual([
      { fromSeconds: 0, commands: 2, p50Ms: 50, maxMs: 600 },
      { fromSeconds: 0.25, commands: 1, p50Ms: 50, maxMs: 50 },
    ]);
  });

  it('leaves out answers outside the window', () => {
    const c = { atMs: [900, 1_500, 2_100], latencyMs: [10, 20, 30], unanswered: 0 };
    expect(latencyTimeline(c, 1_000, 2_000)).toEqual([
      { fromSeconds: 0.25, commands: 1, p50Ms: 20, maxMs: 20 },
    ]);
  });
});

import { writeOutage } from '../src/ha/write-outage';

describe('the write outage of a failover', () => {
  it('is the gap from the last acknowledgement before the kill to the first after the promotion', () => {
    // Killed at 1000, promoted at 9000, writes back at 9500.
    const acks = [100, 500, 900, 9_500, 9_600];
    expect(writeOutage(acks, 1_000, 9_000)).toEqual({ outageMs: 8_600, fromMs: 900, toMs: 9_500 });
  });

  it('counts the gap after commands answered just after the kill', () => {
    // 1050 and 1100 were committed before the kill at 1000 and answered after it.
    const acks = [900, 1_050, 1_100, 9_500];
    expect(writeOutage(acks, 1_000, 9_000)).toEqual({
      outageMs: 8_400,
      fromMs: 1_100,
      toMs: 9_500,
    });
  });

  it('starts at the kill when nothing was acknowledged before it, and is unknown until writes resume', () => {
    expect(writeOutage([9_500], 1_000, 9_000)).toEqual({
      outageMs: 8_500,
      fromMs: 1_000,
      toMs: 9_500,
    });
    expect(writeOutage([900, 1_050], 1_000, 9_000)).toBeNull();
  });
});

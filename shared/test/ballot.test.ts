import { BOTTOM_BALLOT, compareBallots, firstBallot, maxBallot } from '@paxos/shared';

describe('ballot ordering', () => {
  const cases: Array<
    [string, { round: number; leaderId: string }, { round: number; leaderId: string }, number]
  > = [
    [
      'round decides first',
      { round: 1, leaderId: 'leader-0' },
      { round: 0, leaderId: 'leader-9' },
      1,
    ],
    [
      'leader id breaks ties',
      { round: 2, leaderId: 'leader-0' },
      { round: 2, leaderId: 'leader-1' },
      -1,
    ],
    ['equal ballots', { round: 3, leaderId: 'leader-1' }, { round: 3, leaderId: 'leader-1' }, 0],
    ['bottom is below round 0', BOTTOM_BALLOT, firstBallot('leader-0'), -1],
  ];
  it.each(cases)('%s', (_name, a, b, expected) => {
    expect(compareBallots(a, b)).toBe(expected);
    expect(compareBallots(b, a)).toBe(expected === 0 ? 0 : -expected);
  });
  it('maxBallot picks the larger', () => {
    expect(maxBallot(BOTTOM_BALLOT, firstBallot('leader-1'))).toEqual({
      round: 0,
      leaderId: 'leader-1',
    });
  });
});

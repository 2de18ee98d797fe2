import { describeLeader } from '@paxos/leader';
import type { DurableEntry, Message } from '@paxos/shared';
import { COVERED_INTERVALS_MAX } from '../src/role/p1b-coverage';
import {
  LeaderHarness,
  ballot,
  leaderConfig,
  p1b,
  p1bPage,
  propose,
  pvalue,
  sentOf,
} from './support/harness';

/**
 * The scout counts an acceptor once the p1b pages it holds from it for its ballot cover every
 * slot from that acceptor's horizon up (messages.ts: P1bSchema). The leader here restarted after
 * using round 4, so it scouts with round 5 (at 200, its timer); the acceptors accepted values
 * at round 2 and 3 before. A majority is two of the three acceptors.
 */
const b5 = ballot(5);
const old = ballot(2, 'leader-1');
const newer = ballot(3, 'leader-1');

function scouting(): LeaderHarness {
  const durable = new Map<string, DurableEntry>([['ballot', { slot: null, value: ballot(4) }]]);
  const leader = new LeaderHarness(leaderConfig(), durable);
  leader.tick(200);
  if (leader.state.scout?.ballot.round !== 5) throw new Error('harness leader is not scouting');
  return leader;
}
const page = (
  from: string,
  coversFrom: number,
  coversBefore: number | null,
  slots: number[] = [],
) =>
  p1bPage(
    from,
    b5,
    coversFrom,
    coversBefore,
    slots.map((s) => pvalue(old, s, `v${s}`)),
  );

/** acceptor-x's reply to one p1a, in three pages: [1, 4), [4, 9), [9, infinity). */
const pagesOf = (from: string): Message[] => [
  page(from, 1, 4, [1, 3]),
  page(from, 4, 9, [4, 5, 8]),
  page(from, 9, null, [9]),
];
const [a0first, a0middle, a0last] = pagesOf('acceptor-0') as [Message, Message, Message];
const [a1first, a1middle, a1last] = pagesOf('acceptor-1') as [Message, Message, Message];

describe('scout counts an acceptor when its pages cover every slot', () => {
  // [name, pages delivered, adopted, acceptors still waited for]
  const cases: Array<[string, Message[], boolean, string[]]> = [
    ['pages in order', [a0first, a0middle, a0last, a1first, a1middle, a1last], true, []],
    ['pages reversed', [a0last, a0middle, a0first, a1last, a1middle, a1first], true, []],
    [
      'pages of two acceptors interleaved',
      [a1middle, a0first, a1last, a0last, a1first, a0middle],
      true,
      [],
    ],
    [
      'duplicated pages of one acceptor count it once',
      [a0first, a0first, a0middle, a0last, a0last, a0middle],
      false,
      ['acceptor-1', 'acceptor-2'],
    ],
    [
      'a middle page lost by both: no adoption (a gap is not coverage)',
      [a0first, a0last, a1first, a1last],
      false,
      ['acceptor-0', 'acceptor-1', 'acceptor-2'],
    ],
    [
      'the first page lost: the slots from the horizon are not covered',
      [a0middle, a0last, a1middle, a1last],
      false,
      ['acceptor-0', 'acceptor-1', 'acceptor-2'],
    ],
    [
      'a gap in one, a whole old-style reply from another: no majority yet',
      [a0first, a0last, p1b('acceptor-2', b5)],
      false,
      ['acceptor-0', 'acceptor-1'],
    ],
    [
      'complete pages from one, a whole old-style reply from another',
      [a1first, a1middle, a1last, p1b('acceptor-2', b5)],
      true,
      [],
    ],
    [
      'two replies of one acceptor with different breaks fill each other',
      [
        a0first,
        page('acceptor-0', 1, 6, [1, 3, 4, 5]),
        page('acceptor-0', 6, null, [8, 9]),
        a1first,
        a1middle,
        a1last,
      ],
      true,
      [],
    ],
    [
      'a second reply from a higher horizon (collected in between) completes the first',
      [
        a0first,
        a0last,
        p1bPage('acceptor-0', b5, 5, 9, [pvalue(old, 5, 'v5'), pvalue(old, 8, 'v8')], 5),
        p1b('acceptor-2', b5),
      ],
      true,
      [],
    ],
  ];
  it.each(cases)('%s', (_name, pages, adopted, waitingFor) => {
    const leader = scouting();
    leader.steps(...pages);
    expect(leader.state.active).toBe(adopted);
    if (!adopted) {
      expect([...(leader.state.scout?.waitingFor ?? [])].sort()).toEqual(waitingFor);
      expect(leader.state.counters.preemptions).toBe(0);
    }
  });

  it('merges pmax across pages and acceptors, and proposes it once adopted', () => {
    const leader = scouting();
    leader.step(propose(2, 'mine'));
    leader.steps(
      page('acceptor-0', 1, 5, [1]),
      p1bPage('acceptor-0', b5, 5, null, [pvalue(newer, 7, 'higher')]),
      p1bPage('acceptor-2', b5, 6, null, [pvalue(old, 7, 'lower')]),
    );
    const result = leader.step(p1bPage('acceptor-2', b5, 1, 6, [pvalue(old, 4, 'four')]));
    expect(leader.state.active).toBe(true);
    const proposed = sentOf(result, 'p2a')
      .filter((e) => e.to === 'acceptor-0')
      .map((e) => [e.message.pvalue.slot, e.message.pvalue.value.batchId]);
    expect(proposed).toEqual([
      [1, 'v1'],
      [2, 'mine'],
      [4, 'four'],
      [7, 'higher'],
    ]);
  });

  it('ignores a page whose pvalues lie outside its interval, or whose interval is empty', () => {
    const leader = scouting();
    const outside = page('acceptor-0', 1, 4, [5]);
    const empty = page('acceptor-0', 4, 4);
    const results = [leader.step(outside), leader.step(empty)];
    expect(results.map((r) => r.notes?.join())).toEqual([
      expect.stringMatching(/ignored: slot 5 outside its interval \[1, 4\)/),
      expect.stringMatching(/ignored: empty interval \[4, 4\)/),
    ]);
    expect(leader.state.counters.unexpectedIgnored).toBe(2);
    expect(leader.state.scout?.pvalues.size).toBe(0);
    expect(leader.state.scout?.coverage.size).toBe(0);
  });
});

describe('scout guards, in order, with notes and never errors', () => {
  // [name, pages before, the page, note, counter]
  const cases: Array<
    [string, Message[], Message, RegExp, 'staleIgnored' | 'unexpectedIgnored' | 'duplicatesIgnored']
  > = [
    [
      'a page for an older ballot',
      [],
      p1bPage('acceptor-0', ballot(4), 1, null),
      /no scout at that ballot/,
      'staleIgnored',
    ],
    [
      'a page from a process that is not an acceptor',
      [],
      p1bPage('replica-0', b5, 1, null),
      /not an acceptor/,
      'unexpectedIgnored',
    ],
    [
      'a page from an acceptor already counted',
      [a0first, a0middle, a0last],
      a0middle,
      /duplicate p1b from acceptor-0: already counted/,
      'duplicatesIgnored',
    ],
  ];
  it.each(cases)('%s', (_name, before, message, note, counter) => {
    const leader = scouting();
    leader.steps(...before);
    const result = leader.step(message);
    expect(result.send).toEqual([]);
    expect(result.notes?.join()).toMatch(note);
    expect(leader.state.counters[counter]).toBe(1);
    expect(leader.state.counters.preemptions).toBe(0);
    expect(leader.state.active).toBe(false);
  });

  it('a page at a higher ballot preempts, and the bookkeeping goes with the scout', () => {
    const leader = scouting();
    leader.steps(a0first, a1first);
    expect(leader.state.scout?.coverage.size).toBe(2);
    leader.step(p1bPage('acceptor-2', ballot(6, 'leader-1'), 1, 9));
    expect(leader.state.counters.preemptions).toBe(1);
    expect(leader.state.scout).toBeNull();
  });
});

describe('scout retransmission and bounded bookkeeping', () => {
  it('asks again only the acceptors not covered yet, and their new reply completes them', () => {
    const leader = scouting();
    leader.steps(a0first, a0middle, a0last, a1first, a1last);
    expect(leader.state.scout?.coverage.has('acceptor-0')).toBe(false);
    const asked = sentOf(leader.tick(300), 'p1a').map((e) => e.to);
    expect(asked).toEqual(['acceptor-1', 'acceptor-2']);
    // The retransmitted p1a's reply arrives whole; its first pages repeat what is held.
    leader.steps(a1first);
    expect(leader.state.active).toBe(false);
    leader.steps(a1middle);
    expect(leader.state.active).toBe(true);
    expect(leader.state.scout).toBeNull();
  });

  it('keeps at most COVERED_INTERVALS_MAX intervals per acceptor under a flood of disjoint pages', () => {
    const leader = scouting();
    const flood = Array.from({ length: 500 }, (_, i) =>
      page('acceptor-0', 1000 - 2 * i, 1001 - 2 * i),
    );
    leader.steps(...flood);
    const coverage = leader.state.scout?.coverage.get('acceptor-0');
    expect(coverage?.covered).toHaveLength(COVERED_INTERVALS_MAX);
    expect(leader.state.counters.p1bIntervalsForgotten).toBe(500 - COVERED_INTERVALS_MAX);
    expect(leader.last.notes?.join()).toMatch(
      /too many gaps: forgot \[\d+, \d+\), retransmission asks again/,
    );
    // A reply in order still completes it: each page extends the interval before it.
    leader.steps(
      page('acceptor-0', 1, 500),
      page('acceptor-0', 500, 1100),
      page('acceptor-0', 1100, null),
    );
    expect(leader.state.scout?.waitingFor.has('acceptor-0')).toBe(false);
    expect(leader.state.scout?.coverage.has('acceptor-0')).toBe(false);
  });

  it('shows the pages it holds in GET /state', () => {
    const leader = scouting();
    leader.steps(a0first, a0last);
    expect(JSON.parse(JSON.stringify(describeLeader(leader.state)))).toMatchObject({
      scout: { pagesHeld: { 'acceptor-0': '[1, 4) [9, ∞)' } },
    });
  });
});

import { LIMITS, type DurableEntry } from '@paxos/shared';
import type { PlannedCommit } from '@paxos/runtime';
import { runSeed } from '../../src/run/run-seed';
import { SimDataApi } from '../../src/shell/sim-data-api';

const commitOf = (over: Partial<PlannedCommit>): PlannedCommit => ({
  writeSeq: 1,
  acks: [],
  puts: [],
  truncateBelow: 0,
  sends: [],
  sendTypes: [],
  bodyBytes: 0,
  ...over,
});

const entries = (api: SimDataApi, id: string): Array<[string, DurableEntry]> => [
  ...api.load(id).entries(),
];

describe('the simulated data API (the real server rules)', () => {
  it.each([
    ['a NUL in a value', { key: 'k', slot: null, value: 'a\u0000b' }],
    ['a lone surrogate in a value', { key: 'k', slot: null, value: 'a\ud800' }],
    [
      'a body over the limit',
      { key: 'k', slot: null, value: 'x'.repeat(LIMITS.dataApiBodyBytesMax) },
    ],
  ])('refuses %s and writes nothing', (_what, put) => {
    const api = new SimDataApi();
    const epoch = api.claimEpoch('p');
    const answer = api.commit('p', epoch, commitOf({ puts: [put] }));
    expect(answer.kind).toBe('refused');
    expect(entries(api, 'p')).toEqual([]);
  });

  it('fences an older epoch and applies a put only if newer by (epoch, writeSeq)', () => {
    const api = new SimDataApi();
    const first = api.claimEpoch('p');
    const put = (value: number) => [{ key: 'k', slot: null, value }];
    expect(api.commit('p', first, commitOf({ writeSeq: 2, puts: put(2) })).kind).toBe('committed');
    // A late, older commit of the same epoch changes nothing.
    expect(api.commit('p', first, commitOf({ writeSeq: 1, puts: put(1) })).kind).toBe('committed');
    expect(entries(api, 'p')).toEqual([['k', { slot: null, value: 2 }]]);
    const second = api.claimEpoch('p');
    expect(api.commit('p', first, commitOf({ writeSeq: 3, puts: put(3) })).kind).toBe('fenced');
    expect(api.commit('p', second, commitOf({ writeSeq: 1, puts: put(4) })).kind).toBe('committed');
    expect(entries(api, 'p')).toEqual([['k', { slot: null, value: 4 }]]);
  });

  it('truncates older entries below the horizon and loses background commits in a crash', () => {
    const api = new SimDataApi();
    const epoch = api.claimEpoch('p');
    api.commit(
      'p',
      epoch,
      commitOf({
        puts: [
          { key: 'a', slot: 1, value: 1 },
          { key: 'b', slot: 5, value: 5 },
        ],
      }),
    );
    api.commit('p', epoch, commitOf({ writeSeq: 2, truncateBelow: 3 }));
    expect(entries(api, 'p').map(([k]) => k)).toEqual(['b']);
    expect(
      api.commitLater(
        'p',
        epoch,
        commitOf({ writeSeq: 3, puts: [{ key: 'c', slot: null, value: 1 }] }),
      ),
    ).toBeNull();
    api.crash('p');
    expect(entries(api, 'p').map(([k]) => k)).toEqual(['b']);
  });
});

describe('the service shell core inside the simulator', () => {
  it('passes with the real roles on a few seeds, and is deterministic per seed', () => {
    const failures: string[] = [];
    for (let seed = 1; seed <= 4; seed++) {
      const r = runSeed(seed);
      if (r.violation !== null) failures.push(`seed ${seed}: ${r.violation.message}`);
    }
    expect(failures).toEqual([]);
    expect(runSeed(3).digest).toBe(runSeed(3).digest);
  });

  it('--oversized-commits: the data API refuses commits and the run reports a violation', () => {
    // Whether a seed's steps grow past the data API's limit depends on its timing: seeds are
    // tried until one does, at most thirty.
    const found: string[] = [];
    for (let seed = 1; seed <= 30 && found.length === 0; seed++) {
      const r = runSeed(seed, { oversizedCommits: true });
      if (r.violation !== null) found.push(r.violation.invariant);
    }
    expect(found.length).toBeGreaterThan(0);
    for (const invariant of found)
      expect(['shell-fatal', 'innocent-dead-letter']).toContain(invariant);
  });
});

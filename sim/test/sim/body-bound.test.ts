import { stepCommitVariablesOf, unstorableCharAt } from '@paxos/shared';
import type { PlannedCommit } from '@paxos/runtime';
import { commitBodyBytesBound } from '../../src/shell/body-bound';
import { SimDataApi, valueJsonsOf } from '../../src/shell/sim-data-api';

/** The request body's bytes, exactly as QueueApi serializes a step commit. */
function exactBodyBytes(processId: string, epoch: number, commit: PlannedCommit): number {
  const variables = stepCommitVariablesOf({ processId, epoch, ...commit });
  return Buffer.byteLength(JSON.stringify(variables), 'utf8');
}

const commitOf = (over: Partial<PlannedCommit>): PlannedCommit => ({
  writeSeq: 7,
  acks: [],
  puts: [],
  truncateBelow: 0,
  sends: [],
  sendTypes: [],
  // Never read by the data API: a shell that records the wrong size must not fool it.
  bodyBytes: 0,
  ...over,
});

// What costs the most through two levels of escaping (a control character, a lone surrogate:
// 7 bytes a unit), through one (3-byte UTF-8), and everything in between.
const FILLERS: Array<[string, string]> = [
  ['control characters', '\u0001'],
  ['lone surrogates', '\ud800'],
  ['quotes and backslashes', '"\\'],
  ['newlines and tabs', '\n\t'],
  ['3-byte UTF-8', '€'],
  ['surrogate pairs', '😀'],
  ['a mix', 'a"\\\u0000\u001f\u2028é😀\udfff'],
];
/** The ones PostgreSQL can store (no NUL, no lone surrogate): the data API commits them. */
const STORABLE_FILLERS = FILLERS.filter(([, filler]) => unstorableCharAt(filler) < 0);

/** A commit that puts every kind of string through `filler`. */
function commitFilledWith(filler: string, repeats: number): PlannedCommit {
  const text = filler.repeat(repeats);
  return commitOf({
    acks: [`ack${text}`, 'ack2'],
    puts: [
      { key: `k${text}`, slot: null, value: { text, list: [text, 1, null] } },
      { key: 'k2', slot: 9_007_199_254_740_991, value: text },
    ],
    truncateBelow: 12,
    sends: [
      { id: `m${text}`, dst: `acceptor-${text}`, payload: text },
      { id: 'm2', dst: 'acceptor-1', payload: JSON.stringify({ type: 'p1a', text }) },
    ],
  });
}

/** Commits with `text` in one string each: no other string's slack can hide a shortfall. */
function commitsWithOneString(text: string): PlannedCommit[] {
  const send = { id: 'm', dst: 'a', payload: '' };
  return [
    commitOf({ acks: [text] }),
    commitOf({ puts: [{ key: text, slot: null, value: 0 }] }),
    commitOf({ puts: [{ key: 'k', slot: 1, value: text }] }),
    commitOf({ sends: [{ ...send, id: text }] }),
    commitOf({ sends: [{ ...send, dst: text }] }),
    commitOf({ sends: [{ ...send, payload: text }] }),
  ];
}

describe('commitBodyBytesBound (when the simulated data API may skip serializing a commit)', () => {
  it.each(FILLERS)('is at least the exact body with %s in any string', (_what, filler) => {
    for (const repeats of [0, 1, 50]) {
      const text = filler.repeat(repeats);
      for (const commit of [commitFilledWith(filler, repeats), ...commitsWithOneString(text)]) {
        const bound = commitBodyBytesBound('acceptor-0', 3, commit, valueJsonsOf(commit));
        expect(bound).toBeGreaterThanOrEqual(exactBodyBytes('acceptor-0', 3, commit));
      }
    }
  });

  // (Puts would hide it: one key's puts are sent once, and a value's unit counts 3 bytes.)
  it('is at least the exact body of many empty acks and sends (their commas count)', () => {
    const many = 100;
    const commit = commitOf({
      acks: Array.from({ length: many }, () => ''),
      sends: Array.from({ length: many }, () => ({ id: '', dst: '', payload: '' })),
    });
    const bound = commitBodyBytesBound('p', 1, commit, valueJsonsOf(commit));
    expect(bound).toBeGreaterThanOrEqual(exactBodyBytes('p', 1, commit));
  });

  it('is tight for the costliest characters: the per-unit costs cannot be lower', () => {
    // A payload of control characters costs 7 bytes a unit; a value of 3-byte UTF-8, 3.
    const units = 10_000;
    const send = commitOf({ sends: [{ id: 'm', dst: 'a', payload: '\u0001'.repeat(units) }] });
    const put = commitOf({ puts: [{ key: 'k', slot: null, value: '€'.repeat(units) }] });
    for (const commit of [send, put]) {
      const slack =
        commitBodyBytesBound('p', 1, commit, valueJsonsOf(commit)) - exactBodyBytes('p', 1, commit);
      expect(slack).toBeGreaterThanOrEqual(0);
      expect(slack).toBeLessThan(units / 100);
    }
  });
});

describe('the simulated data API measures the body exactly near its limit', () => {
  it.each(STORABLE_FILLERS)(
    'commits a body of %s exactly at the limit and refuses one byte less of limit',
    (_what, filler) => {
      const commit = commitFilledWith(filler, 2_000);
      const exact = exactBodyBytes('p', 1, commit);
      const atLimit = new SimDataApi(exact);
      expect(atLimit.commit('p', atLimit.claimEpoch('p'), commit).kind).toBe('committed');
      const under = new SimDataApi(exact - 1);
      expect(under.commit('p', under.claimEpoch('p'), commit)).toEqual({
        kind: 'refused',
        detail: `request body of ${exact} bytes is too large (limit ${exact - 1})`,
      });
      expect(under.commitLater('p', 1, commit)).toMatch(/^request body of \d+ bytes/);
    },
  );
});

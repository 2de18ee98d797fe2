import { sessionIdOf, type Batch, type Envelope, type OpResult } from '@paxos/shared';
import { AtMostOnceChecker } from '../../src/checkers/at-most-once-checker';
import { DecisionLedger } from '../../src/checkers/decision-ledger';
import { FirstOccurrences } from '../../src/checkers/first-occurrences';
import { answer, batch, command, registration, violationOf } from './support/fixtures';

const putA = command(16384, 1, { kind: 'put', key: 'k', value: 'a' });
const getK = command(16384, 2, { kind: 'get', key: 'k' });
const reg = registration(777);
const ok = (value: string | null): OpResult => ({ ok: true, value });
const refused = (why: 'session-unknown' | 'request-too-old' | 'kv-quota-exceeded'): OpResult => ({
  ok: false,
  value: null,
  refused: why,
});
const registered = (sessionId: number): OpResult => ({ ok: true, value: null, sessionId });

/** Slot 1 registers a session and runs putA; slot 2 runs getK; slot 3 holds putA again. */
const LOG: Batch[] = [
  batch('replica-0:1:0', reg, putA),
  batch('replica-1:1:0', getK),
  batch('replica-1:1:1', putA),
];

// [what, answers in the order replicas sent them, the invariant broken (null: none)]
const cases: Array<[string, Array<[string, Envelope]>, string | null]> = [
  [
    'a command answered where first decided, by both replicas',
    [
      ['replica-0', answer(putA, 1, ok(null))],
      ['replica-1', answer(putA, 1, ok(null))],
    ],
    null,
  ],
  [
    'a retry answered from the cache later, with the original slot',
    [
      ['replica-0', answer(putA, 1, ok(null))],
      ['replica-1', answer(putA, 1, ok(null))],
      ['replica-0', answer(putA, 1, ok(null))],
    ],
    null,
  ],
  [
    'refusals (410) at any slot: nothing ran',
    [
      ['replica-0', answer(putA, 1, ok(null))],
      ['replica-0', answer(putA, 3, refused('request-too-old'))],
      ['replica-1', answer(getK, 2, refused('session-unknown'))],
    ],
    null,
  ],
  [
    'a quota refusal where first decided: decided, remembered, nothing changed',
    [['replica-0', answer(putA, 1, refused('kv-quota-exceeded'))]],
    null,
  ],
  [
    'a registration answered with the session its slot and position make',
    [['replica-0', answer(reg, 1, registered(sessionIdOf(1, 0)))]],
    null,
  ],
  [
    'a late copy run again (a retry that outlived its answer)',
    [
      ['replica-0', answer(putA, 1, ok(null))],
      ['replica-0', answer(putA, 3, ok('a'))],
    ],
    'at-most-once',
  ],
  [
    'a command run only at its late copy',
    [['replica-1', answer(putA, 3, ok('a'))]],
    'at-most-once',
  ],
  [
    'a command run at a slot that does not hold it',
    [['replica-0', answer(getK, 1, ok(null))]],
    'at-most-once',
  ],
  [
    'two replicas reporting different outcomes at one slot',
    [
      ['replica-0', answer(putA, 1, ok(null))],
      ['replica-1', answer(putA, 1, refused('kv-quota-exceeded'))],
    ],
    'at-most-once',
  ],
  [
    'a registration answered with another session',
    [['replica-0', answer(reg, 1, registered(sessionIdOf(1, 1)))]],
    'at-most-once',
  ],
  [
    'an answer from a slot above an undecided one',
    [['replica-0', answer(getK, 5, ok(null))]],
    'R2',
  ],
];

describe('AtMostOnceChecker (a command runs where it is first decided, or never)', () => {
  it.each(cases)('%s', (_what, answers, invariant) => {
    const ledger = new DecisionLedger();
    LOG.forEach((b, i) => ledger.record(i + 1, b, 'test'));
    const checker = new AtMostOnceChecker(ledger, new FirstOccurrences(ledger));
    expect(
      violationOf(() => {
        for (const [replicaId, envelope] of answers) checker.onReplicaSends(replicaId, [envelope]);
      }),
    ).toBe(invariant);
  });

  it('keeps the first outcome heard, for the replay', () => {
    const ledger = new DecisionLedger();
    LOG.forEach((b, i) => ledger.record(i + 1, b, 'test'));
    const checker = new AtMostOnceChecker(ledger, new FirstOccurrences(ledger));
    checker.onReplicaSends('replica-1', [answer(putA, 1, ok(null), 'replica-1')]);
    expect(checker.ranOutcome('16384:1')).toEqual({
      slot: 1,
      result: ok(null),
      replicaId: 'replica-1',
    });
    expect(checker.ranOutcome('16384:2')).toBeUndefined();
  });
});

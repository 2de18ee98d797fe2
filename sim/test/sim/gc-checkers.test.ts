import type { Envelope, Message } from '@paxos/shared';
import { AcceptanceLedger } from '../../src/checkers/acceptance-ledger';
import { AcceptorChecker } from '../../src/checkers/acceptor-checker';
import { ClusterCheckers } from '../../src/checkers/cluster-checkers';
import { GcChecker } from '../../src/checkers/gc-checker';
import {
  acceptorView,
  ballot,
  batch,
  chooseInLedger,
  collectedView,
  p2a,
  pvalue,
  replicaView,
  violationOf,
} from './support/fixtures';

describe('GcChecker: nothing is collected below a slot some replica has not applied', () => {
  const lowest = { replicaId: 'replica-1', slotOut: 5 };
  // [name, what happened, horizon, expected violation]
  const cases: Array<[string, (gc: GcChecker, horizon: number) => void, number, string | null]> = [
    [
      'a leader horizon at the lowest slotOut',
      (gc, h) => gc.onLeaderHorizon('leader-0', h),
      5,
      null,
    ],
    ['a leader horizon above it', (gc, h) => gc.onLeaderHorizon('leader-0', h), 6, 'gc-safe'],
    ['a collect below the lowest slotOut', (gc, h) => gc.onCollectSent('leader-0', h), 4, null],
    ['a collect above it', (gc, h) => gc.onCollectSent('leader-0', h), 6, 'gc-safe'],
    ['an acceptor at it', (gc, h) => gc.onAcceptorHorizon('acceptor-0', h), 5, null],
    ['an acceptor above it', (gc, h) => gc.onAcceptorHorizon('acceptor-0', h), 9, 'gc-safe'],
  ];
  it.each(cases)('%s', (_name, act, horizon, expected) => {
    const gc = new GcChecker(() => lowest);
    expect(violationOf(() => act(gc, horizon))).toBe(expected);
  });

  it('tracks the highest horizon acceptors reached, for the run summary', () => {
    const gc = new GcChecker(() => lowest);
    gc.onAcceptorHorizon('acceptor-0', 3);
    gc.onAcceptorHorizon('acceptor-1', 5);
    gc.onAcceptorHorizon('acceptor-0', 4);
    expect(gc.highestCollected).toBe(5);
  });

  it('in the cluster checkers, the lowest replica is the one furthest behind', () => {
    const checkers = new ClusterCheckers({
      acceptors: ['acceptor-0', 'acceptor-1', 'acceptor-2'],
      replicas: ['replica-0', 'replica-1'],
      windowSlots: 4,
      replicaFullCheckEverySteps: 100,
    });
    const decisions = new Map([1, 2, 3, 4].map((s) => [s, batch(`b${s}`)]));
    chooseInLedger(checkers.acceptances, decisions);
    checkers.afterReplicaStep('replica-0', replicaView({ slotOut: 5, decisions }), []);
    checkers.afterReplicaStep('replica-1', replicaView({ slotOut: 3, decisions }), []);
    const collect = (belowSlot: number): Envelope => ({
      to: 'acceptor-0',
      message: { type: 'collect', from: 'leader-0', belowSlot },
    });
    expect(violationOf(() => checkers.afterSends('leader-0', [collect(3)]))).toBeNull();
    expect(violationOf(() => checkers.afterSends('leader-0', [collect(4)]))).toBe('gc-safe');
    expect(violationOf(() => checkers.afterLeaderStep('leader-1', { collectedBelow: 4 }))).toBe(
      'gc-safe',
    );
  });
});

describe('AcceptorChecker under garbage collection (A3)', () => {
  const b = ballot(1);
  const accepted = [1, 2, 3, 4].map((slot) => pvalue(b, slot, `x${slot}`));
  const collect = (belowSlot: number): Message => ({
    type: 'collect',
    from: 'leader-0',
    belowSlot,
  });

  // [name, collectedBelow after, slots still held, expected violation]
  const cases: Array<[string, number, number[], string | null]> = [
    ['dropping exactly the slots below collectedBelow', 3, [3, 4], null],
    ['dropping everything below a horizon above them all', 9, [], null],
    ['dropping a slot at collectedBelow', 3, [4], 'A3'],
    ['dropping slots without collecting', 1, [3, 4], 'A3'],
  ];
  it.each(cases)('%s', (_name, collectedBelow, kept, expected) => {
    const checker = new AcceptorChecker('acceptor-0', new AcceptanceLedger(2));
    for (const pv of accepted) {
      checker.afterStep(acceptorView(b, ...accepted.filter((p) => p.slot <= pv.slot)), p2a(pv));
    }
    const after = collectedView(
      b,
      collectedBelow,
      ...accepted.filter((p) => kept.includes(p.slot)),
    );
    expect(violationOf(() => checker.afterStep(after, collect(collectedBelow)))).toBe(expected);
  });

  it('catches collectedBelow going down (a horizon that was not durable)', () => {
    const checker = new AcceptorChecker('acceptor-0', new AcceptanceLedger(2));
    checker.afterStep(collectedView(b, 5), collect(5));
    expect(violationOf(() => checker.afterStep(collectedView(b, 1), null))).toBe('A3');
  });

  it('a volatile restart (forget) starts the horizon over', () => {
    const checker = new AcceptorChecker('acceptor-0', new AcceptanceLedger(2));
    checker.afterStep(collectedView(b, 5), collect(5));
    checker.forget();
    expect(violationOf(() => checker.afterStep(acceptorView(ballot(-1, '')), null))).toBeNull();
  });
});

describe('the ledgers do not treat collected slots as lost', () => {
  /** Slot 1 chosen as x at ballot 1 by acceptors 0 and 1, which then both collect below 2. */
  function collectedAfterChoice(): ClusterCheckers {
    const checkers = new ClusterCheckers({
      acceptors: ['acceptor-0', 'acceptor-1', 'acceptor-2'],
      replicas: ['replica-0'],
      windowSlots: 4,
      replicaFullCheckEverySteps: 100,
    });
    const chosen = pvalue(ballot(1), 1, 'x');
    for (const acceptor of ['acceptor-0', 'acceptor-1']) {
      checkers.afterAcceptorStep(acceptor, collectedView(ballot(1), 1, chosen), p2a(chosen));
    }
    checkers.afterReplicaStep(
      'replica-0',
      replicaView({ slotOut: 2, decisions: new Map([[1, batch('x')]]) }),
      [],
    );
    for (const acceptor of ['acceptor-0', 'acceptor-1']) {
      checkers.afterAcceptorStep(acceptor, collectedView(ballot(1), 2), {
        type: 'collect',
        from: 'leader-0',
        belowSlot: 2,
      });
    }
    return checkers;
  }
  const decision = (batchId: string): Envelope => ({
    to: 'replica-0',
    message: { type: 'decision', from: 'leader-1', slot: 1, value: batch(batchId) },
  });
  const p2aAt = (batchId: string): Envelope => ({
    to: 'acceptor-2',
    message: p2a(pvalue(ballot(2, 'leader-1'), 1, batchId), 'leader-1'),
  });

  // [name, what a leader sends about the collected slot, expected violation]
  const cases: Array<[string, Envelope, string | null]> = [
    ['re-announcing the chosen decision is still "chosen"', decision('x'), null],
    ['announcing another value is still caught', decision('y'), 'decided-unchosen'],
    ['a higher-ballot p2a with the chosen value passes C2', p2aAt('x'), null],
    ['a higher-ballot p2a with another value is still caught (C2)', p2aAt('y'), 'C2'],
  ];
  it.each(cases)('%s', (_name, envelope, expected) => {
    const checkers = collectedAfterChoice();
    expect(violationOf(() => checkers.afterSends('leader-1', [envelope]))).toBe(expected);
  });
});

import type { Envelope, Message } from '@paxos/shared';
import { AcceptanceLedger } from '../../src/checkers/acceptance-ledger';
import { AcceptorChecker } from '../../src/checkers/acceptor-checker';
import { ClusterCheckers } from '../../src/checkers/cluster-checkers';
import { GcChecker, type GcFacts } from '../../src/checkers/gc-checker';
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

/** Ground truth for the GC checker: replicas' durable slotOuts, configurations, stops. */
function facts(
  slotOuts: Record<string, number>,
  configurations: string[][],
): GcFacts & { stop(id: string): void; set(id: string, slotOut: number): void } {
  const stopped = new Set<string>();
  return {
    durableSlotOut: (id) => slotOuts[id] ?? 1,
    configurations: () => configurations,
    keptReplicas: () => Object.keys(slotOuts).filter((id) => !stopped.has(id)),
    newestReplicaCount: () => configurations[configurations.length - 1]!.length,
    stop: (id) => stopped.add(id),
    set: (id, slotOut) => {
      slotOuts[id] = slotOut;
    },
  };
}

describe('GcChecker: collected slots are held by enough replicas (justified, kept)', () => {
  const twoReplicas = () => facts({ 'replica-0': 9, 'replica-1': 5 }, [['replica-0', 'replica-1']]);
  // [name, what happened, horizon, expected violation]
  const cases: Array<[string, (gc: GcChecker, horizon: number) => void, number, string | null]> = [
    [
      'a leader horizon both replicas hold',
      (gc, h) => gc.onLeaderHorizon('leader-0', 0, h),
      5,
      null,
    ],
    // With two replicas a majority is both: the fastest one alone is the broken
    // collect-below-one leader.
    [
      'a leader horizon at the fastest replica',
      (gc, h) => gc.onLeaderHorizon('leader-0', 0, h),
      9,
      'gc-safe',
    ],
    ['a collect both hold', (gc, h) => gc.onCollectSent('leader-0', h), 4, null],
    ['a collect above one of them', (gc, h) => gc.onCollectSent('leader-0', h), 6, 'gc-safe'],
    ['an acceptor at it', (gc, h) => gc.onAcceptorHorizon('acceptor-0', h), 5, null],
    ['an acceptor above it', (gc, h) => gc.onAcceptorHorizon('acceptor-0', h), 9, 'gc-safe'],
  ];
  it.each(cases)('%s', (_name, act, horizon, expected) => {
    const gc = new GcChecker(twoReplicas());
    expect(violationOf(() => act(gc, horizon))).toBe(expected);
  });

  it('with three replicas, a majority of them is enough: one may be down through it', () => {
    const gc = new GcChecker(
      facts({ 'replica-0': 30, 'replica-1': 28, 'replica-2': 2 }, [
        ['replica-0', 'replica-1', 'replica-2'],
      ]),
    );
    expect(violationOf(() => gc.onLeaderHorizon('leader-0', 0, 28))).toBeNull();
    expect(violationOf(() => gc.onLeaderHorizon('leader-0', 0, 29))).toBe('gc-safe');
  });

  it('a horizon travels: one justified by the old configuration is fine in the new one', () => {
    // replica-1 is replaced by replica-3; replica-2 lags. Epoch 0's majority (0 and 1) holds 20.
    const f = facts({ 'replica-0': 20, 'replica-1': 20, 'replica-2': 5, 'replica-3': 1 }, [
      ['replica-0', 'replica-1', 'replica-2'],
      ['replica-0', 'replica-2', 'replica-3'],
    ]);
    const gc = new GcChecker(f);
    // The new configuration's leader learns it from an acceptor: not its own majority, yet
    // justified, and kept (replica-1 still holds it).
    expect(violationOf(() => gc.onLeaderHorizon('leader-2', 1, 20))).toBeNull();
    // Stopping the leaving replica now would leave replica-0 alone with the collected slots.
    expect(
      violationOf(() => {
        f.stop('replica-1');
        gc.onReplicaStopped('replica-1');
      }),
    ).toBe('gc-safe');
  });

  it('a leaving replica may go once the staying ones hold the horizon', () => {
    const f = facts({ 'replica-0': 20, 'replica-1': 20, 'replica-2': 5, 'replica-3': 1 }, [
      ['replica-0', 'replica-1', 'replica-2'],
      ['replica-0', 'replica-2', 'replica-3'],
    ]);
    const gc = new GcChecker(f);
    gc.onAcceptorHorizon('acceptor-0', 20);
    f.set('replica-3', 22); // the new replica installed a snapshot
    f.stop('replica-1');
    expect(violationOf(() => gc.onReplicaStopped('replica-1'))).toBeNull();
    // And no horizon may now run past what the staying replicas keep.
    f.set('replica-0', 25);
    expect(violationOf(() => gc.onCollectSent('leader-0', 22))).toBeNull();
    expect(violationOf(() => gc.onCollectSent('leader-0', 23))).toBe('gc-safe');
  });

  it("tracks the highest horizon acceptors reached, and every configuration's leaders", () => {
    const gc = new GcChecker(twoReplicas());
    gc.onAcceptorHorizon('acceptor-0', 3);
    gc.onAcceptorHorizon('acceptor-1', 5);
    gc.onAcceptorHorizon('acceptor-0', 4);
    gc.onLeaderHorizon('leader-1', 2, 4);
    expect(gc.highestCollected).toBe(5);
    expect(gc.highestHorizon).toBe(5);
    expect(gc.horizonOfEpoch.get(2)).toBe(4);
  });

  it('in the cluster checkers, the facts are the replicas as their checkers saw them', () => {
    const checkers = new ClusterCheckers({
      acceptors: ['acceptor-0', 'acceptor-1', 'acceptor-2'],
      leaders: ['leader-0', 'leader-1'],
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
    const leader = (collectedBelow: number) => ({
      instances: [
        {
          epoch: 0,
          startSlot: 1,
          endSlot: null,
          acceptors: ['acceptor-0', 'acceptor-1', 'acceptor-2'],
          leaders: ['leader-0', 'leader-1'],
          replicas: ['replica-0', 'replica-1'],
          collectedBelow,
        },
      ],
    });
    expect(violationOf(() => checkers.afterLeaderStep('leader-1', leader(3)))).toBeNull();
    expect(violationOf(() => checkers.afterLeaderStep('leader-1', leader(4)))).toBe('gc-safe');
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

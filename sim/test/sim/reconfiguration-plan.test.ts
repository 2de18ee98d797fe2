import type { ConfigEntry, Members, Response } from '@paxos/shared';
import { Prng } from '../../src/random/prng';
import { memberChange } from '../../src/reconfiguration/member-change';
import { Operator, type OperatorStep, type OperatorView } from '../../src/reconfiguration/operator';
import { SCENARIO_NAMES, drawPlan, type ReconfigurationPlan } from '../../src/reconfiguration/plan';
import { violationOf } from './support/fixtures';

const initial: Members = {
  acceptors: ['acceptor-0', 'acceptor-1', 'acceptor-2'],
  leaders: ['leader-0', 'leader-1'],
  replicas: ['replica-0', 'replica-1'],
};
const config = (members: Members, epoch = 0) => ({ epoch, ...members, window: 4 });

describe('memberChange: what one step asks for', () => {
  let next = 0;
  const newId = (kind: string) => `${kind}-${3 + next++}`;
  beforeEach(() => {
    next = 0;
  });

  it("a replacement takes the old member's place under a new id", () => {
    const change = memberChange(
      config(initial),
      { kind: 'replace', role: 'leader', pick: 'oldest' },
      initial,
      new Prng(1),
      newId,
    );
    expect(change).toEqual({
      target: { ...initial, leaders: ['leader-3', 'leader-1'] },
      joining: [{ kind: 'leader', id: 'leader-3' }],
      leaving: ['leader-0'],
    });
  });

  it('replacing the oldest acceptor each time replaces every original one in turn', () => {
    let members = config(initial);
    const left: string[] = [];
    for (let i = 0; i < 3; i++) {
      const change = memberChange(
        members,
        { kind: 'replace', role: 'acceptor', pick: 'oldest' },
        initial,
        new Prng(i),
        newId,
      )!;
      left.push(...change.leaving);
      members = config(change.target, i + 1);
    }
    expect(left).toEqual(['acceptor-0', 'acceptor-1', 'acceptor-2']);
    expect(members.acceptors).toEqual(['acceptor-3', 'acceptor-4', 'acceptor-5']);
  });

  it('adds a replica, and removes one only from three or more', () => {
    const add = memberChange(
      config(initial),
      { kind: 'add', role: 'replica' },
      initial,
      new Prng(1),
      newId,
    );
    expect(add?.target.replicas).toEqual(['replica-0', 'replica-1', 'replica-3']);
    const remove = { kind: 'remove', role: 'replica', pick: 'oldest' } as const;
    expect(memberChange(config(initial), remove, initial, new Prng(1), newId)).toBeNull();
    const three = config(add!.target, 1);
    expect(memberChange(three, remove, initial, new Prng(1), newId)).toEqual({
      target: { ...initial, replicas: ['replica-1', 'replica-3'] },
      joining: [],
      leaving: ['replica-0'],
    });
  });
});

describe('drawPlan: which seeds reconfigure, and how', () => {
  it('never, always, or most seeds; every scenario comes up', () => {
    expect(drawPlan(new Prng(1), 'never', 3)).toBeNull();
    const plans = Array.from({ length: 200 }, (_, seed) => drawPlan(new Prng(seed), 'auto', 3));
    const on = plans.filter((p) => p !== null).length;
    expect(on).toBeGreaterThan(120);
    expect(on).toBeLessThan(180);
    expect(new Set(plans.map((p) => p?.scenario)).size).toBe(SCENARIO_NAMES.length + 1);
    for (let seed = 0; seed < 20; seed++) {
      const plan = drawPlan(new Prng(seed), 'always', 5)!;
      expect(plan).not.toBeNull();
      if (plan.scenario === 'replace-every-acceptor') expect(plan.steps).toHaveLength(5);
    }
  });
});

/** The fleet as the operator sees it, set by the test. */
function fakeView(): OperatorView & {
  schedule: ConfigEntry[];
  slotOuts: Map<string, number>;
  horizons: Map<number, number>;
  highest: number;
} {
  const view = {
    schedule: [{ startSlot: 1, config: config(initial) }] as ConfigEntry[],
    slotOuts: new Map<string, number>(),
    horizons: new Map<number, number>(),
    highest: 1,
    newestConfig: () => view.schedule[view.schedule.length - 1]!,
    slotOutOf: (id: string) => view.slotOuts.get(id) ?? 1,
    horizonOfEpoch: (epoch: number) => view.horizons.get(epoch) ?? 1,
    highestHorizon: () => view.highest,
  };
  return view;
}

const replaceReplica: ReconfigurationPlan = {
  scenario: 'test',
  firstAtMs: 100,
  pauseMs: { min: 10, max: 10 },
  steps: [{ kind: 'replace', role: 'replica', pick: 'oldest' }],
};

const answer = (requestId: number, result: Response['result']): Response => ({
  type: 'response',
  from: 'replica-1',
  sessionId: 0,
  requestId,
  slot: 6,
  result,
  opDigest: 'x',
});

const requestIdOf = (step: OperatorStep): number => {
  const message = step.sends[0]?.message;
  if (message?.type !== 'request') throw new Error('no request sent');
  return message.commands[0]!.requestId;
};

describe('Operator: one change at a time, as `fleet replace` does it', () => {
  it('starts the new member, submits, waits for the answer, then for in force, collected and kept', () => {
    const view = fakeView();
    const operator = new Operator(replaceReplica, initial, view, new Prng(3));
    expect(operator.begin().timers).toEqual([{ atMs: 100, timer: { kind: 'begin' } }]);

    const begun = operator.onTimer(100, { kind: 'begin' });
    expect(begun.start).toEqual([
      { kind: 'replica', id: 'replica-2', joinFrom: ['replica-0', 'replica-1'] },
    ]);
    const sent = begun.sends[0]!;
    expect(initial.replicas).toContain(sent.to);
    expect(sent.message).toMatchObject({
      type: 'request',
      from: 'client:0',
      commands: [
        {
          sessionId: 0,
          op: { kind: 'reconfigure', ...initial, replicas: ['replica-2', 'replica-1'] },
        },
      ],
    });

    // No answer: the retry is a new request number (a new POST), either answer will do.
    const retry = operator.onTimer(400, { kind: 'retry', attempt: 1 });
    const first = requestIdOf(begun);
    const second = requestIdOf(retry);
    expect(second).not.toBe(first);
    expect(operator.owns(first) && operator.owns(second)).toBe(true);

    const decided = operator.onResponse(
      420,
      answer(first, { ok: true, value: null, config: { epoch: 1, startSlot: 10 } }),
    );
    // The leaving replica takes no new clients; the joining one does (it holds them until it serves).
    expect(decided.clientReplicas).toEqual(['replica-2', 'replica-1']);
    expect(decided.timers).toEqual([{ atMs: 430, timer: { kind: 'poll' } }]);

    view.schedule.push({
      startSlot: 10,
      config: config({ ...initial, replicas: ['replica-2', 'replica-1'] }, 1),
    });
    view.slotOuts.set('replica-1', 12);
    view.slotOuts.set('replica-2', 11);
    view.highest = 11;
    // In force, but epoch 1's leaders have not collected its first slot yet: wait.
    expect(operator.onTimer(430, { kind: 'poll' }).stop).toEqual([]);
    view.horizons.set(1, 11);
    const settled = operator.onTimer(440, { kind: 'poll' });
    expect(settled.stop).toEqual(['replica-0']);
    expect(settled.clientReplicas).toEqual(['replica-2', 'replica-1']);
    expect(operator.done).toBe(false);
    operator.onTimer(450, { kind: 'begin' });
    expect(operator.done).toBe(true);
    expect(operator.stats).toMatchObject({ completed: 1, stopped: 1 });
  });

  it('does not stop a leaving replica while the staying ones do not hold the horizon', () => {
    const view = fakeView();
    const operator = new Operator(replaceReplica, initial, view, new Prng(3));
    const begun = operator.onTimer(100, { kind: 'begin' });
    operator.onResponse(
      120,
      answer(requestIdOf(begun), { ok: true, value: null, config: { epoch: 1, startSlot: 10 } }),
    );
    view.slotOuts.set('replica-1', 12);
    view.slotOuts.set('replica-2', 11);
    view.horizons.set(1, 11);
    view.highest = 12; // collected below 12: replica-2 does not hold slot 11 yet
    expect(operator.onTimer(130, { kind: 'poll' }).stop).toEqual([]);
    view.slotOuts.set('replica-2', 12);
    expect(operator.onTimer(140, { kind: 'poll' }).stop).toEqual(['replica-0']);
  });

  it('asks again after a pending refusal, and treats an invalid one as a violation', () => {
    const view = fakeView();
    const operator = new Operator(replaceReplica, initial, view, new Prng(3));
    const begun = operator.onTimer(100, { kind: 'begin' });
    const id = requestIdOf(begun);
    const pending = operator.onResponse(
      110,
      answer(id, { ok: false, value: 'x', refused: 'reconfiguration-pending' }),
    );
    expect(pending.stop).toEqual([]);
    expect(operator.owns(id)).toBe(true);
    expect(
      violationOf(() =>
        operator.onResponse(
          120,
          answer(id, { ok: false, value: 'no', refused: 'reconfiguration-invalid' }),
        ),
      ),
    ).toBe('config');
  });

  it('takes a replica down for an outage only when three keep collecting, and brings it back', () => {
    const plan: ReconfigurationPlan = {
      ...replaceReplica,
      steps: [{ kind: 'outage', role: 'replica', downMs: 1_500 }],
    };
    const twoReplicas = new Operator(plan, initial, fakeView(), new Prng(1));
    expect(twoReplicas.onTimer(100, { kind: 'begin' }).crash).toEqual([]);

    const view = fakeView();
    view.schedule = [
      {
        startSlot: 1,
        config: config({ ...initial, replicas: ['replica-0', 'replica-1', 'replica-2'] }),
      },
    ];
    const operator = new Operator(plan, initial, view, new Prng(1));
    const down = operator.onTimer(100, { kind: 'begin' });
    expect(down.crash).toHaveLength(1);
    const replicaId = down.crash[0]!;
    expect(down.timers).toEqual([{ atMs: 1_600, timer: { kind: 'outage-end', replicaId } }]);
    expect(operator.onTimer(1_600, { kind: 'outage-end', replicaId }).restart).toEqual([replicaId]);
  });
});

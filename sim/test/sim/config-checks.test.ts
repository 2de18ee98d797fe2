import type { Batch, Command, Envelope, Members, Message, PValue } from '@paxos/shared';
import { AcceptanceLedger } from '../../src/checkers/acceptance-ledger';
import { ClusterCheckers } from '../../src/checkers/cluster-checkers';
import { CommanderChecker } from '../../src/checkers/commander-checker';
import { ConfigModel } from '../../src/checkers/config-model';
import { DecisionLedger } from '../../src/checkers/decision-ledger';
import type { LeaderInstanceView } from '../../src/observe/views';
import { ballotOf, batch, replicaView, violationOf } from './support/fixtures';

/**
 * The configuration checks (issue 18): the checkers rebuild the schedule from the decided log
 * (a reconfiguration decided at s governs from s + WINDOW) and hold every process to it; and no
 * slot is decided twice with different values across configurations.
 */
const initial: Members = {
  acceptors: ['acceptor-0', 'acceptor-1', 'acceptor-2'],
  leaders: ['leader-0', 'leader-1'],
  replicas: ['replica-0', 'replica-1'],
};
const WINDOW = 4;
/** acceptor-0 replaced by acceptor-3. */
const replaced: Members = { ...initial, acceptors: ['acceptor-3', 'acceptor-1', 'acceptor-2'] };

const reconfigure = (requestId: number, members: Members): Command => ({
  sessionId: 0,
  requestId,
  op: { kind: 'reconfigure', ...members },
});

describe('ConfigModel: the schedule the decided log makes', () => {
  function modelOf(log: Array<[number, Batch]>): ConfigModel {
    const ledger = new DecisionLedger();
    for (const [slot, b] of log) ledger.record(slot, b, 'test');
    return new ConfigModel(ledger, { epoch: 0, ...initial, window: WINDOW });
  }

  it('schedules a reconfiguration decided at s from s + WINDOW, and refuses or repeats others', () => {
    const model = modelOf([
      [1, batch('noop')],
      [2, batch('a', reconfigure(11, replaced))],
      // Another change while the first is pending: refused.
      [3, batch('b', reconfigure(12, { ...initial, replicas: ['replica-0'] }))],
      [4, batch('c')],
      [5, batch('d')],
      // In force from 6; asking again for it answers with it; bringing acceptor-0 back is refused.
      [6, batch('e', reconfigure(13, replaced))],
      [7, batch('f', reconfigure(14, initial))],
    ]);
    model.advance();
    expect(model.readBelow).toBe(8);
    expect(model.schedule.map((e) => [e.config.epoch, e.startSlot, e.decidedAt])).toEqual([
      [0, 1, 0],
      [1, 6, 2],
    ]);
    expect(model.verdictOf(2, 11)).toMatchObject({ kind: 'scheduled', entry: { startSlot: 6 } });
    expect(model.verdictOf(3, 12)).toEqual({ kind: 'refused', refused: 'reconfiguration-pending' });
    expect(model.verdictOf(6, 13)).toMatchObject({ kind: 'scheduled', entry: { startSlot: 6 } });
    expect(model.verdictOf(7, 14)).toEqual({ kind: 'refused', refused: 'reconfiguration-invalid' });
    // What a replica must hold: configurations decided below its slotOut, from the one in force.
    expect(model.scheduleAt(2).map((e) => e.config.epoch)).toEqual([0]);
    expect(model.scheduleAt(3).map((e) => e.config.epoch)).toEqual([0, 1]);
    expect(model.scheduleAt(6).map((e) => e.config.epoch)).toEqual([1]);
  });

  it('reads no further than the log is decided without a gap', () => {
    const model = modelOf([[2, batch('a', reconfigure(11, replaced))]]);
    expect(model.newest.config.epoch).toBe(0);
    expect(model.readBelow).toBe(1);
  });
});

/** Checkers whose log made epoch 1 (acceptor-0 replaced by acceptor-3) at slot 2, from slot 6. */
function reconfigured(): ClusterCheckers {
  const checkers = new ClusterCheckers({
    ...initial,
    windowSlots: WINDOW,
    replicaFullCheckEverySteps: 100,
  });
  decide(checkers, 1, batch('noop'));
  decide(checkers, 2, batch('a', reconfigure(11, replaced)));
  return checkers;
}

/** Chosen by acceptor-1 and acceptor-2 at epoch 0's ballot 1, as a run would have it. */
function decide(checkers: ClusterCheckers, slot: number, value: Batch): void {
  for (const acceptor of ['acceptor-1', 'acceptor-2']) {
    checkers.acceptances.record(acceptor, { ballot: ballotOf(0, 1), slot, value });
  }
}

const entry = (epoch: number, startSlot: number, members: Members) => ({
  startSlot,
  config: { epoch, ...members, window: WINDOW },
});

describe("ConfigChecker: every process works with the log's configurations", () => {
  it('a replica holding the schedule applied at once (s + 1, not s + WINDOW) is caught', () => {
    const right = [entry(0, 1, initial), entry(1, 6, replaced)];
    const atOnce = [entry(0, 1, initial), entry(1, 3, replaced)];
    const view = (configs: typeof right) =>
      replicaView({ slotOut: 3, configs, decisions: new Map() });
    expect(
      violationOf(() => reconfigured().afterReplicaStep('replica-0', view(right), [])),
    ).toBeNull();
    expect(violationOf(() => reconfigured().afterReplicaStep('replica-0', view(atOnce), []))).toBe(
      'config',
    );
    // Forgetting the pending configuration is as wrong.
    expect(
      violationOf(() =>
        reconfigured().afterReplicaStep('replica-0', view([entry(0, 1, initial)]), []),
      ),
    ).toBe('config');
  });

  const propose = (slot: number, configEntry?: ReturnType<typeof entry>): Message => ({
    type: 'propose',
    from: 'replica-0',
    slot,
    value: batch('p'),
    ...(configEntry ? { configEntry } : {}),
  });
  const sent = (to: string, message: Message): Envelope[] => [{ to, message }];
  it.each([
    [
      "a proposal naming its slot's configuration",
      'leader-0',
      propose(6, entry(1, 6, replaced)),
      null,
    ],
    ["a proposal in the old configuration's last slot", 'leader-0', propose(5), null],
    ['a proposal naming the old configuration for a new slot', 'leader-0', propose(6), 'config'],
    [
      'a proposal naming the new one for an old slot',
      'leader-0',
      propose(4, entry(1, 6, replaced)),
      'config',
    ],
    ['a proposal to a process that leads no such configuration', 'leader-7', propose(5), 'config'],
  ] as const)('%s', (_name, to, message, expected) => {
    expect(violationOf(() => reconfigured().afterSends('replica-0', sent(to, message)))).toBe(
      expected,
    );
  });

  const instance = (fields: Partial<LeaderInstanceView>): LeaderInstanceView => ({
    epoch: 1,
    startSlot: 6,
    endSlot: null,
    ...replaced,
    collectedBelow: 1,
    ...fields,
  });
  it.each([
    ['a leader serving epoch 1 as the log made it', instance({}), null],
    ['a leader serving an epoch the log never made', instance({ epoch: 2 }), 'config'],
    ['a leader serving epoch 1 from the wrong slot', instance({ startSlot: 3 }), 'config'],
    [
      'a leader serving epoch 1 with other acceptors',
      instance({ acceptors: initial.acceptors }),
      'config',
    ],
    [
      'a leader ending epoch 0 where no epoch 1 starts',
      instance({ epoch: 0, startSlot: 1, ...initial, endSlot: 9 }),
      'config',
    ],
  ] as const)('%s', (_name, view, expected) => {
    expect(
      violationOf(() => reconfigured().afterLeaderStep('leader-0', { instances: [view] })),
    ).toBe(expected);
  });

  const accept = (acceptor: string, pvalue: PValue) => (checkers: ClusterCheckers) =>
    checkers.acceptances.record(acceptor, pvalue);
  const pv = (epoch: number, slot: number): PValue => ({
    ballot: ballotOf(epoch, 0),
    slot,
    value: batch(`v${slot}`),
  });
  it.each([
    ['an acceptance in the configuration governing the slot', accept('acceptor-3', pv(1, 6)), null],
    [
      'an acceptance of an old slot in the new configuration',
      accept('acceptor-3', pv(1, 5)),
      'config',
    ],
    [
      'an acceptance of a new slot in the old configuration',
      accept('acceptor-1', pv(0, 6)),
      'config',
    ],
    [
      'an acceptance by an acceptor the configuration does not have',
      accept('acceptor-0', pv(1, 6)),
      'config',
    ],
    ['an acceptance in an epoch the log never made', accept('acceptor-1', pv(2, 9)), 'config'],
  ] as const)('%s', (_name, act, expected) => {
    const checkers = reconfigured();
    expect(violationOf(() => act(checkers))).toBe(expected);
  });

  it('an old-configuration acceptance above a start the log makes later is caught then', () => {
    const checkers = new ClusterCheckers({
      ...initial,
      windowSlots: WINDOW,
      replicaFullCheckEverySteps: 100,
    });
    checkers.acceptances.record('acceptor-1', pv(0, 7));
    decide(checkers, 1, batch('noop'));
    decide(checkers, 2, batch('a', reconfigure(11, replaced)));
    expect(violationOf(() => checkers.configs.advance())).toBe('config');
  });

  const answer = (startSlot: number): Envelope => ({
    to: 'client:0',
    message: {
      type: 'response',
      from: 'replica-0',
      sessionId: 0,
      requestId: 11,
      slot: 2,
      result: { ok: true, value: null, config: { epoch: 1, startSlot } },
      opDigest: 'x',
    },
  });
  it("a reconfiguration answered with another start than the log's is caught", () => {
    const step = (startSlot: number) => () =>
      reconfigured().afterReplicaStep('replica-0', replicaView({ slotOut: 3 }), [
        answer(startSlot),
      ]);
    expect(violationOf(step(6))).toBeNull();
    expect(violationOf(step(3))).toBe('config');
  });
});

describe('no slot is decided twice with different values across configurations', () => {
  const x = batch('x');
  const y = batch('y');
  it('ballots of two epochs with the same round and leader are not one ballot (no false A4)', () => {
    const ledger = new AcceptanceLedger(2);
    ledger.record('acceptor-0', { ballot: ballotOf(0, 2), slot: 5, value: x });
    expect(
      violationOf(() => ledger.record('acceptor-3', { ballot: ballotOf(1, 2), slot: 5, value: y })),
    ).toBeNull();
  });

  it('A5: a value chosen in one configuration and another accepted in a later one', () => {
    const ledger = new AcceptanceLedger(2);
    ledger.record('acceptor-3', { ballot: ballotOf(1, 0), slot: 5, value: y });
    ledger.record('acceptor-0', { ballot: ballotOf(0, 2), slot: 5, value: x });
    // x chosen in epoch 0; y was accepted at a ballot of epoch 1, which orders above it.
    expect(
      violationOf(() => ledger.record('acceptor-1', { ballot: ballotOf(0, 2), slot: 5, value: x })),
    ).toBe('A5');
  });

  it("C2: a later configuration's commander proposing another value for a chosen slot", () => {
    const ledger = new AcceptanceLedger(2);
    const commanders = new CommanderChecker(ledger);
    for (const acceptor of ['acceptor-0', 'acceptor-1']) {
      ledger.record(acceptor, { ballot: ballotOf(0, 1), slot: 5, value: x });
    }
    expect(
      violationOf(() =>
        commanders.onP2a('leader-2', { ballot: ballotOf(1, 0), slot: 5, value: y }),
      ),
    ).toBe('C2');
  });

  it('R1: a replica holding another value for a slot another configuration decided', () => {
    const ledger = new DecisionLedger();
    ledger.record(5, x, "a majority of epoch 0's acceptors");
    expect(violationOf(() => ledger.record(5, y, "a majority of epoch 1's acceptors"))).toBe('R1');
  });

  it("a majority is counted among the ballot's configuration's acceptors", () => {
    // Epoch 1 has five acceptors: two acceptances are not a majority there.
    const ledger = new AcceptanceLedger((epoch) => (epoch === 1 ? 3 : 2));
    for (const acceptor of ['acceptor-3', 'acceptor-4']) {
      ledger.record(acceptor, { ballot: ballotOf(1, 0), slot: 9, value: x });
    }
    expect(ledger.wasChosen(9, 'x')).toBe(false);
    ledger.record('acceptor-5', { ballot: ballotOf(1, 0), slot: 9, value: x });
    expect(ledger.wasChosen(9, 'x')).toBe(true);
  });
});

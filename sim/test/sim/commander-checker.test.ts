import { AcceptanceLedger } from '../../src/checkers/acceptance-ledger';
import type { Envelope } from '@paxos/shared';
import { ClusterCheckers } from '../../src/checkers/cluster-checkers';
import { CommanderChecker } from '../../src/checkers/commander-checker';
import { ballot, batch, pvalue, replicaView, violationOf } from './support/fixtures';

function setup(): { ledger: AcceptanceLedger; commanders: CommanderChecker } {
  const ledger = new AcceptanceLedger(2);
  return { ledger, commanders: new CommanderChecker(ledger) };
}

describe('CommanderChecker (C1, C2)', () => {
  it('passes retransmissions of one p2a and a higher ballot re-proposing the chosen value', () => {
    const { ledger, commanders } = setup();
    expect(
      violationOf(() => {
        commanders.onP2a('leader-0', pvalue(ballot(1), 1, 'x'));
        commanders.onP2a('leader-0', pvalue(ballot(1), 1, 'x'));
        ledger.record('acceptor-0', pvalue(ballot(1), 1, 'x'));
        ledger.record('acceptor-1', pvalue(ballot(1), 1, 'x'));
        commanders.onP2a('leader-1', pvalue(ballot(2, 'leader-1'), 1, 'x'));
      }),
    ).toBeNull();
  });

  it('C1: catches two commands sent for one (ballot, slot)', () => {
    const { commanders } = setup();
    commanders.onP2a('leader-0', pvalue(ballot(1), 4, 'x'));
    expect(violationOf(() => commanders.onP2a('leader-0', pvalue(ballot(1), 4, 'y')))).toBe('C1');
  });

  it('C2: catches a higher-ballot p2a with another command after a majority accepted', () => {
    const { ledger, commanders } = setup();
    ledger.record('acceptor-0', pvalue(ballot(1), 2, 'x'));
    ledger.record('acceptor-1', pvalue(ballot(1), 2, 'x'));
    expect(
      violationOf(() => commanders.onP2a('leader-1', pvalue(ballot(1, 'leader-1'), 2, 'y'))),
    ).toBe('C2');
  });

  it('C2: catches it when the majority is observed after the higher-ballot p2a', () => {
    const { ledger, commanders } = setup();
    commanders.onP2a('leader-1', pvalue(ballot(2, 'leader-1'), 2, 'y'));
    ledger.record('acceptor-0', pvalue(ballot(1), 2, 'x'));
    expect(violationOf(() => ledger.record('acceptor-1', pvalue(ballot(1), 2, 'x')))).toBe('C2');
  });
});

describe('decisions must have been chosen', () => {
  const checkers = (): ClusterCheckers =>
    new ClusterCheckers({
      acceptors: ['acceptor-0', 'acceptor-1', 'acceptor-2'],
      replicas: ['replica-0'],
      windowSlots: 4,
      replicaFullCheckEverySteps: 10,
    });
  const decision = (slot: number, batchId: string): Envelope => ({
    to: 'replica-0',
    message: { type: 'decision', from: 'leader-0', slot, value: { batchId, commands: [] } },
  });

  it('catches a decision that only one of three acceptors accepted', () => {
    const c = checkers();
    c.acceptances.record('acceptor-0', pvalue(ballot(1), 1, 'x'));
    expect(violationOf(() => c.afterSends('leader-0', [decision(1, 'x')]))).toBe(
      'decided-unchosen',
    );
  });

  it('passes a decision a majority accepted, at any ballot', () => {
    const c = checkers();
    c.acceptances.record('acceptor-0', pvalue(ballot(1), 1, 'x'));
    c.acceptances.record('acceptor-2', pvalue(ballot(1), 1, 'x'));
    expect(violationOf(() => c.afterSends('leader-1', [decision(1, 'x')]))).toBeNull();
  });

  it('catches a replica holding a decision one acceptor accepted, passes one a majority did', () => {
    const c = checkers();
    const holding = replicaView({ decisions: new Map([[1, batch('x')]]) });
    c.acceptances.record('acceptor-0', pvalue(ballot(1), 1, 'x'));
    expect(violationOf(() => c.afterReplicaStep('replica-0', holding, []))).toBe(
      'decided-unchosen',
    );
    c.acceptances.record('acceptor-1', pvalue(ballot(1), 1, 'x'));
    expect(violationOf(() => c.afterReplicaStep('replica-0', holding, []))).toBeNull();
  });
});

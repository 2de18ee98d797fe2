import type { Envelope } from '@paxos/shared';
import { DecisionLedger } from '../../src/checkers/decision-ledger';
import { ReplicaChecker } from '../../src/checkers/replica-checker';
import { batch, command, replicaView, violationOf } from './support/fixtures';

const WINDOW = 4;
const putA = command('client-0', 'r0', { kind: 'put', key: 'k', value: 'a' });
const putB = command('client-1', 'r0', { kind: 'put', key: 'k', value: 'b' });
const slot1 = batch('replica-0:1:0', putA);
const slot2 = batch('replica-0:1:1', putB);
const slot3 = batch('replica-1:1:0', putA); // putA again: a duplicate, skipped by replay

function checker(ledger = new DecisionLedger()): ReplicaChecker {
  return new ReplicaChecker('replica-0', WINDOW, ledger, 1_000);
}

const response = (slot: number, value: string | null): Envelope => ({
  to: 'client-0',
  message: {
    type: 'response',
    from: 'replica-0',
    clientId: 'client-0',
    requestId: 'r0',
    slot,
    result: { ok: true, value },
  },
});

describe('DecisionLedger (R1)', () => {
  it('catches two different decisions for one slot', () => {
    const ledger = new DecisionLedger();
    ledger.record(1, slot1, 'replica-0');
    ledger.record(1, slot1, 'replica-1');
    expect(violationOf(() => ledger.record(1, slot2, 'replica-1'))).toBe('R1');
  });

  it('R1 through a replica view: a replica holding a conflicting decision', () => {
    const ledger = new DecisionLedger();
    ledger.record(1, slot1, 'decision message from leader-0');
    const decisions = new Map([[1, slot2]]);
    expect(violationOf(() => checker(ledger).afterStep(replicaView({ decisions }), []))).toBe('R1');
  });
});

describe('ReplicaChecker (R2-R5, executed once)', () => {
  it('passes a replica that applies, skips a duplicate and answers as the replay says', () => {
    const c = checker();
    const decisions = new Map([
      [1, slot1],
      [2, slot2],
      [3, slot3],
    ]);
    const kv = new Map([['k', 'b']]);
    const responses = new Map([
      ['client-0\u0000r0', { slot: 1, result: { ok: true, value: null } }],
      ['client-1\u0000r0', { slot: 2, result: { ok: true, value: 'a' } }],
    ]);
    expect(
      violationOf(() => {
        c.afterStep(replicaView({ slotOut: 4, slotIn: 4, decisions, kv, responses }), [
          response(1, null),
        ]);
        c.fullCheck(replicaView({ slotOut: 4, slotIn: 4, decisions, kv, responses }));
      }),
    ).toBeNull();
  });

  it('R2: catches slotOut moving past a slot nobody decided', () => {
    const decisions = new Map([[1, slot1]]);
    expect(violationOf(() => checker().afterStep(replicaView({ slotOut: 3, decisions }), []))).toBe(
      'R2',
    );
  });

  it('R3: catches a store that differs from the replay', () => {
    const c = checker();
    const view = replicaView({
      slotOut: 2,
      decisions: new Map([[1, slot1]]),
      kv: new Map([['k', 'zzz']]),
    });
    c.afterStep(view, []);
    expect(violationOf(() => c.fullCheck(view))).toBe('R3');
  });

  it('R3: catches an answer the replay did not compute', () => {
    const c = checker();
    const view = replicaView({
      slotOut: 2,
      decisions: new Map([[1, slot1]]),
      kv: new Map([['k', 'a']]),
    });
    expect(violationOf(() => c.afterStep(view, [response(1, 'not what was there')]))).toBe('R3');
  });

  it('R4: catches slotOut going back, e.g. after a restart', () => {
    const c = checker();
    const decisions = new Map([
      [1, slot1],
      [2, slot2],
    ]);
    c.afterStep(replicaView({ slotOut: 3, decisions }), []);
    expect(violationOf(() => c.afterStep(replicaView({ slotOut: 2, decisions }), []))).toBe('R4');
  });

  it('R5: catches a proposal beyond slotOut + WINDOW, and allows slotOut + WINDOW itself', () => {
    const propose = (slot: number): Envelope => ({
      to: 'leader-0',
      message: { type: 'propose', from: 'replica-0', slot, value: slot1 },
    });
    expect(violationOf(() => checker().afterStep(replicaView(), [propose(1 + WINDOW)]))).toBeNull();
    expect(violationOf(() => checker().afterStep(replicaView(), [propose(2 + WINDOW)]))).toBe('R5');
    const proposals = new Map([[2 + WINDOW, slot1]]);
    expect(violationOf(() => checker().afterStep(replicaView({ proposals }), []))).toBe('R5');
  });

  it('executed-once: catches a command performed at two slots', () => {
    const c = checker();
    const decisions = new Map([
      [1, slot1],
      [2, slot2],
      [3, slot3],
    ]);
    // The cache says putA ran at slot 3: it was performed again instead of being skipped.
    const responses = new Map([
      ['client-0\u0000r0', { slot: 3, result: { ok: true, value: 'b' } }],
    ]);
    expect(
      violationOf(() => c.afterStep(replicaView({ slotOut: 4, decisions, responses }), [])),
    ).toBe('executed-once');
  });

  it('executed-once: catches one replica answering a request from two slots', () => {
    const c = checker();
    const decisions = new Map([[1, slot1]]);
    c.afterStep(replicaView({ slotOut: 2, decisions }), [response(1, null)]);
    expect(
      violationOf(() => c.afterStep(replicaView({ slotOut: 2, decisions }), [response(3, null)])),
    ).toBe('executed-once');
  });
});

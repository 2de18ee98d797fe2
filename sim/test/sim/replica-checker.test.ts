import { commandKey, type Envelope } from '@paxos/shared';
import { DecisionLedger } from '../../src/checkers/decision-ledger';
import { answer, batch, command, replicaView, violationOf } from './support/fixtures';
import { replicaHarness } from './support/replica-harness';

const WINDOW = 4;
const putA = command(16384, 1, { kind: 'put', key: 'k', value: 'a' });
const putB = command(32768, 1, { kind: 'put', key: 'k', value: 'b' });
const slot1 = batch('replica-0:1:0', putA);
const slot2 = batch('replica-0:1:1', putB);
const slot3 = batch('replica-1:1:0', putA); // putA again: a later copy, which must not run

const cached = (slot: number, value: string | null) => ({ slot, result: { ok: true, value } });

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
    const { checker } = replicaHarness(WINDOW, ledger);
    expect(violationOf(() => checker.afterStep(replicaView({ decisions }), []))).toBe('R1');
  });
});

describe('ReplicaChecker (R2-R5, at most once)', () => {
  it('passes a replica that runs each command once, where first decided, as the replay says', () => {
    const { step, checker } = replicaHarness(WINDOW);
    const decisions = new Map([
      [1, slot1],
      [2, slot2],
      [3, slot3],
    ]);
    const view = replicaView({
      slotOut: 4,
      slotIn: 4,
      decisions,
      kv: new Map([['k', 'b']]),
      responses: new Map([
        [commandKey(putA), cached(1, null)],
        [commandKey(putB), cached(2, 'a')],
      ]),
    });
    const sends = [
      answer(putA, 1, { ok: true, value: null }),
      answer(putB, 2, { ok: true, value: 'a' }),
    ];
    expect(
      violationOf(() => {
        step(view, sends);
        checker.fullCheck(view);
      }),
    ).toBeNull();
  });

  it('passes a replica that refused a command (an unknown session): the replay skips it too', () => {
    const { step, checker } = replicaHarness(WINDOW);
    const view = replicaView({ slotOut: 2, decisions: new Map([[1, slot1]]) });
    const refusal = { ok: false, value: null, refused: 'session-unknown' as const };
    expect(
      violationOf(() => {
        step(view, [answer(putA, 1, refusal)]);
        checker.fullCheck(view);
      }),
    ).toBeNull();
  });

  it('R2: catches slotOut moving past a slot nobody decided', () => {
    const decisions = new Map([[1, slot1]]);
    expect(
      violationOf(() => replicaHarness(WINDOW).step(replicaView({ slotOut: 3, decisions }))),
    ).toBe('R2');
  });

  it('R3: catches a store that differs from the replay', () => {
    const { step, checker } = replicaHarness(WINDOW);
    const view = replicaView({
      slotOut: 2,
      decisions: new Map([[1, slot1]]),
      kv: new Map([['k', 'zzz']]),
    });
    step(view, [answer(putA, 1, { ok: true, value: null })]);
    expect(violationOf(() => checker.fullCheck(view))).toBe('R3');
  });

  it('R3: catches an answer the replay did not compute', () => {
    const view = replicaView({
      slotOut: 2,
      decisions: new Map([[1, slot1]]),
      kv: new Map([['k', 'a']]),
    });
    const wrong = answer(putA, 1, { ok: true, value: 'not what was there' });
    expect(violationOf(() => replicaHarness(WINDOW).step(view, [wrong]))).toBe('R3');
  });

  it('R4: catches slotOut going back, e.g. after a restart', () => {
    const { step } = replicaHarness(WINDOW);
    const decisions = new Map([
      [1, slot1],
      [2, slot2],
    ]);
    step(replicaView({ slotOut: 3, decisions }), [
      answer(putA, 1, { ok: true, value: null }),
      answer(putB, 2, { ok: true, value: 'a' }),
    ]);
    expect(violationOf(() => step(replicaView({ slotOut: 2, decisions })))).toBe('R4');
  });

  it('R5: catches a proposal beyond slotOut + WINDOW, and allows slotOut + WINDOW itself', () => {
    const propose = (slot: number): Envelope => ({
      to: 'leader-0',
      message: { type: 'propose', from: 'replica-0', slot, value: slot1 },
    });
    const run = (view = replicaView(), sends: Envelope[] = []) =>
      violationOf(() => replicaHarness(WINDOW).step(view, sends));
    expect(run(replicaView(), [propose(1 + WINDOW)])).toBeNull();
    expect(run(replicaView(), [propose(2 + WINDOW)])).toBe('R5');
    expect(run(replicaView({ proposals: new Map([[2 + WINDOW, slot1]]) }))).toBe('R5');
  });

  it('at-most-once: catches a cache that says a later copy ran', () => {
    const { step } = replicaHarness(WINDOW);
    const decisions = new Map([
      [1, slot1],
      [2, slot2],
      [3, slot3],
    ]);
    // The cache says putA ran at slot 3: it ran again instead of being skipped.
    const responses = new Map([[commandKey(putA), cached(3, 'b')]]);
    expect(violationOf(() => step(replicaView({ slotOut: 4, decisions, responses })))).toBe(
      'at-most-once',
    );
  });

  it('at-most-once: catches one replica answering a request as run at two slots', () => {
    const { step } = replicaHarness(WINDOW);
    const decisions = new Map([
      [1, slot1],
      [2, slot2],
      [3, slot3],
    ]);
    const view = replicaView({ slotOut: 4, decisions, kv: new Map([['k', 'b']]) });
    step(view, [
      answer(putA, 1, { ok: true, value: null }),
      answer(putB, 2, { ok: true, value: 'a' }),
    ]);
    expect(violationOf(() => step(view, [answer(putA, 3, { ok: true, value: 'b' })]))).toBe(
      'at-most-once',
    );
  });
});

import {
  clientDestination,
  epochOf,
  opDigest,
  type Ballot,
  type Batch,
  type ClientCommand,
  type Command,
  type Envelope,
  type Message,
  type Op,
  type OpResult,
  type PValue,
} from '@paxos/shared';
import type { AcceptanceLedger } from '../../../src/checkers/acceptance-ledger';
import type { AcceptorView, ReplicaView } from '../../../src/observe/views';

export const ballot = (round: number, leaderId = 'leader-0'): Ballot => ({ round, leaderId });

export const command = (sessionId: number, requestId: number, op: Op): ClientCommand => ({
  sessionId,
  requestId,
  op,
});

export const registration = (requestId: number): Command => ({
  sessionId: 0,
  requestId,
  op: { kind: 'register' },
});

/** A replica's answer to `c` from `slot`, as it sends it to the client namespace. */
export function answer(
  c: Command,
  slot: number,
  result: OpResult,
  from = 'replica-0',
  digestOf: Command['op'] = c.op,
): Envelope {
  return {
    to: clientDestination(c.sessionId),
    message: {
      type: 'response',
      from,
      sessionId: c.sessionId,
      requestId: c.requestId,
      slot,
      result,
      opDigest: opDigest(digestOf),
    },
  };
}

export const batch = (batchId: string, ...commands: Command[]): Batch => ({ batchId, commands });

export const pvalue = (b: Ballot, slot: number, batchId: string): PValue => ({
  ballot: b,
  slot,
  value: batch(batchId),
});

export const p2a = (pv: PValue, from = 'leader-0'): Message => ({ type: 'p2a', from, pvalue: pv });

export function acceptorView(b: Ballot, ...accepted: PValue[]): AcceptorView {
  return collectedView(b, 1, ...accepted);
}

/**
 * An acceptor that garbage-collected below `collectedBelow`, whose promise in `b`'s epoch is
 * `b` (a round below 0: nothing promised yet).
 */
export function collectedView(
  b: Ballot,
  collectedBelow: number,
  ...accepted: PValue[]
): AcceptorView {
  return {
    promises: new Map(b.round < 0 ? [] : [[epochOf(b), b]]),
    epochsBelow: 0,
    accepted: new Map(accepted.map((p) => [p.slot, p])),
    collectedBelow,
  };
}

/** A ballot of configuration `epoch`. */
export const ballotOf = (epoch: number, round: number, leaderId = 'leader-0'): Ballot =>
  epoch === 0 ? { round, leaderId } : { epoch, round, leaderId };

export function replicaView(fields: Partial<ReplicaView> = {}): ReplicaView {
  return {
    slotIn: 1,
    slotOut: 1,
    decisions: new Map(),
    proposals: new Map(),
    kv: new Map(),
    responses: new Map(),
    ...fields,
  };
}

/**
 * Two acceptors of three accept each decision at ballot 1: the ledgers hold it chosen before a
 * replica holds it decided, as in a run.
 */
export function chooseInLedger(
  ledger: AcceptanceLedger,
  decisions: ReadonlyMap<number, Batch>,
): void {
  for (const [slot, value] of decisions) {
    for (const acceptor of ['acceptor-0', 'acceptor-1']) {
      ledger.record(acceptor, { ballot: ballot(1), slot, value });
    }
  }
}

/** Runs `fn` and returns the invariant it violated (or null): `expect(...).toBe('A2')`. */
export function violationOf(fn: () => void): string | null {
  try {
    fn();
    return null;
  } catch (err) {
    const invariant = (err as { invariant?: unknown }).invariant;
    if (typeof invariant === 'string') return invariant;
    throw err;
  }
}

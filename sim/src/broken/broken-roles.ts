import type { AcceptorConfig, AcceptorState } from '@paxos/acceptor';
import type { ReplicaConfig, ReplicaState } from '@paxos/replica';
import { opDigest, type P1b, type PersistOp, type Role, type StepResult } from '@paxos/shared';
import { REAL_ROLES, type SimRoles } from '../cluster/sim-cluster';
import { collectBelowOne, reconfigAtOnce } from './broken-reconfiguration';
import { readBeforeApply, readMinority, readWithoutProbe } from './broken-reads';
import type { BrokenVariant } from './variant-names';

type ReplicaRole = Role<ReplicaState, ReplicaConfig>;
type AcceptorRole = Role<AcceptorState, AcceptorConfig>;

/**
 * The roles of a deliberately broken configuration: the real roles, each wrapped to make one
 * mistake that an issue-17 or issue-18 checker must catch. `unchecked-input` breaks the simulated client
 * boundary instead (simulation.ts), so its roles are the real ones.
 */
export function brokenRoles(variant: BrokenVariant, base: SimRoles = REAL_ROLES): SimRoles {
  switch (variant) {
    case 'forgetful-sessions':
      return { ...base, replica: forgetfulSessions(base.replica) };
    case 'wrong-digest':
      return { ...base, replica: digestOfWhatWasAsked(base.replica) };
    case 'one-page-p1b':
      return { ...base, acceptor: onePageP1b(base.acceptor) };
    case 'one-part-snapshot':
      return { ...base, replica: onePartSnapshot(base.replica) };
    case 'unchecked-input':
      return base;
    case 'reconfig-at-once':
      return { ...base, replica: reconfigAtOnce(base.replica) };
    case 'collect-below-one':
      return { ...base, leader: collectBelowOne(base.leader) };
    case 'read-without-probe':
      return { ...base, replica: readWithoutProbe(base.replica) };
    case 'read-before-apply':
      return { ...base, replica: readBeforeApply(base.replica) };
    case 'read-minority':
      return { ...base, replica: readMinority(base.replica) };
  }
}

/** Runs `after` on every result the role returns. */
function afterEveryStep<S, C>(
  role: Role<S, C>,
  after: (state: S, result: StepResult<S>) => void,
): Role<S, C> {
  const patched = (result: StepResult<S>): StepResult<S> => {
    after(result.state, result);
    return result;
  };
  return {
    recover: (config, durable, now) => patched(role.recover(config, durable, now)),
    step: (state, message, now) => patched(role.step(state, message, now)),
    tick: (state, now) => patched(role.tick(state, now)),
    nextDeadline: (state) => role.nextDeadline(state),
  };
}

/**
 * A session table that forgets the floors of evicted answers: a late retry of a request whose
 * answer was evicted looks new, and runs a second time (issue 17, point 4).
 */
export function forgetfulSessions(role: ReplicaRole): ReplicaRole {
  return afterEveryStep(role, (state) => {
    for (const session of state.sessions.values()) session.floor = 0;
  });
}

/**
 * Answers a request with the digest of the operation it asked for, not of the one that ran
 * under its number: a client that reused the number takes the first operation's result for its
 * own (issue 17, point 5).
 */
export function digestOfWhatWasAsked(role: ReplicaRole): ReplicaRole {
  return {
    ...role,
    step(state, message, now) {
      const result = role.step(state, message, now);
      if (message.type !== 'request') return result;
      result.send = result.send.map((envelope) => {
        const answer = envelope.message;
        if (answer.type !== 'response') return envelope;
        const asked = message.commands.find(
          (c) => c.sessionId === answer.sessionId && c.requestId === answer.requestId,
        );
        if (asked === undefined) return envelope;
        return { ...envelope, message: { ...answer, opDigest: opDigest(asked.op) } };
      });
      return result;
    },
  };
}

/**
 * Sends a phase-1 reply as one page, however many pvalues it holds: with the garbage-collection
 * horizon stuck and large values accepted, it outgrows the message limit (issue 17, point 3).
 */
export function onePageP1b(role: AcceptorRole): AcceptorRole {
  return {
    ...role,
    step(state, message, now) {
      const result = role.step(state, message, now);
      if (message.type !== 'p1a') return result;
      const pages = result.send.filter((e) => e.message.type === 'p1b');
      const first = pages[0];
      if (first === undefined || pages.length === 1) return result;
      const whole: P1b = {
        ...(first.message as P1b),
        accepted: pages.flatMap((e) => (e.message as P1b).accepted),
        coversBefore: null,
      };
      result.send = [
        ...result.send.filter((e) => e.message.type !== 'p1b'),
        { to: first.to, message: whole },
      ];
      return result;
    },
  };
}

/** The replica's snapshot rows (services/replica/src/role/durable.ts): parts, then the head. */
const SNAPSHOT_PART_KEY = /^snapshot:\d+:\d+$/;
const SNAPSHOT_HEAD_KEY = 'snapshot';

interface SnapshotPartValue {
  slotOut: number;
  part: number;
  kv: unknown[];
  sessions: unknown[];
  answers: unknown[];
}

/**
 * Writes the whole snapshot as one part, as the replica did before issue 17 (point 2): a few
 * values at the per-command limit, in the store and in the answer cache, make it larger than
 * any durable write may be. Recovery still reads it (a head of one part).
 */
export function onePartSnapshot(role: ReplicaRole): ReplicaRole {
  return afterEveryStep(role, (_state, result) => {
    result.persist = mergedSnapshot(result.persist);
    if (result.persistLater) result.persistLater = mergedSnapshot(result.persistLater);
  });
}

function mergedSnapshot(writes: PersistOp[]): PersistOp[] {
  const parts = writes.filter(
    (w): w is Extract<PersistOp, { op: 'put' }> => w.op === 'put' && SNAPSHOT_PART_KEY.test(w.key),
  );
  const first = parts[0];
  if (first === undefined || parts.length === 1) return writes;
  const values = parts.map((p) => p.value as SnapshotPartValue);
  const whole: SnapshotPartValue = {
    ...(first.value as SnapshotPartValue),
    part: 0,
    kv: values.flatMap((v) => v.kv),
    sessions: values.flatMap((v) => v.sessions),
    answers: values.flatMap((v) => v.answers),
  };
  const merged: PersistOp[] = [];
  for (const w of writes) {
    if (w.op === 'put' && SNAPSHOT_PART_KEY.test(w.key)) {
      if (w === first) merged.push({ ...w, value: whole });
    } else if (w.op === 'put' && w.key === SNAPSHOT_HEAD_KEY) {
      merged.push({ ...w, value: { ...(w.value as object), parts: 1 } });
    } else merged.push(w);
  }
  return merged;
}

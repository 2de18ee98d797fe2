import type { ReplicaConfig, ReplicaState } from '@paxos/replica';
import { withReadsServed } from '@paxos/replica';
import type { Role } from '@paxos/shared';

type ReplicaRole = Role<ReplicaState, ReplicaConfig>;

/**
 * Linearizable reads served at once from the replica's own state, with no read probe: a replica
 * that has not applied a write another replica already acknowledged returns the old value
 * (docs/reads.md). The linearizability checker must catch it.
 */
export function readWithoutProbe(role: ReplicaRole): ReplicaRole {
  return {
    ...role,
    step(state, message, now) {
      if (message.type !== 'request') return role.step(state, message, now);
      const commands = message.commands.map((c) =>
        c.sessionId !== 0 && (c.op.kind === 'get' || c.op.kind === 'list')
          ? { ...c, consistency: 'serializable' as const }
          : c,
      );
      return role.step(state, { ...message, commands }, now);
    },
  };
}

/**
 * The replica as it is, except that after each read-probe reply `falsify` changes its probes in
 * flight and the reads they now allow are answered at once.
 */
function afterProbeReply(
  role: ReplicaRole,
  falsify: (probe: ReplicaState['reads']['probes'][number]) => void,
): ReplicaRole {
  return {
    ...role,
    step(state, message, now) {
      const result = role.step(state, message, now);
      if (message.type !== 'read-probe-reply') return result;
      for (const probe of result.state.reads.probes) falsify(probe);
      return withReadsServed(result, now);
    },
  };
}

/**
 * Reads answered as soon as a majority of every configuration has replied, without waiting to
 * apply the highest slot they reported: a replica behind a write another replica already
 * acknowledged reads the old value.
 */
export const readBeforeApply = (role: ReplicaRole): ReplicaRole =>
  afterProbeReply(role, (probe) => {
    probe.acceptedThrough = 0;
  });

/**
 * A probe counted complete on its first reply, as if one acceptor were a majority: that acceptor
 * may have missed a slot the others accepted and a replica already answered, and a replica
 * behind it then reads the old value. The linearizability checker must catch it; it needs a
 * lagging acceptor and a lagging replica at once, which the simulator's faults seldom make
 * (docs/reads.md).
 */
export const readMinority = (role: ReplicaRole): ReplicaRole =>
  afterProbeReply(role, (probe) => {
    if (probe.heard.size === 0) return;
    for (const acceptors of probe.quorums.values()) {
      for (const acceptor of acceptors) probe.heard.add(acceptor);
    }
  });

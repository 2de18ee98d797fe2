import type { LeaderConfig, LeaderProcessState } from '@paxos/leader';
import type { ReplicaConfig, ReplicaState } from '@paxos/replica';
import { StepCollector, type Role, type StepResult } from '@paxos/shared';

type ReplicaRole = Role<ReplicaState, ReplicaConfig>;
type LeaderProcessRole = Role<LeaderProcessState, LeaderConfig>;

/**
 * A configuration applied at once: decided at slot s, it governs from s + 1 instead of
 * s + WINDOW (PMMC section 4). The replicas rewrite each new schedule entry after the real role
 * made it; slots s + 1 .. s + WINDOW - 1 may already be proposed, accepted or even chosen in
 * the old configuration, and are now run again in the new one, whose acceptors know nothing of
 * them. Every replica of the run makes the same mistake (one shared rewrite per epoch), so
 * they agree with each other and only the log's rule tells them wrong.
 */
export function reconfigAtOnce(role: ReplicaRole): ReplicaRole {
  /** Per epoch: the start the real role gave it, and the one the mistake gives it instead. */
  const rewritten = new Map<number, { real: number; atOnce: number }>();
  const rewrite = (state: ReplicaState): void => {
    state.configs.forEach((entry, i) => {
      if (entry.config.epoch === 0) return;
      let known = rewritten.get(entry.config.epoch);
      if (known === undefined) {
        // First seen right after performReconfiguration made it: start = s + window(s).
        const window = (state.configs[i - 1] ?? entry).config.window;
        known = { real: entry.startSlot, atOnce: entry.startSlot - window + 1 };
        rewritten.set(entry.config.epoch, known);
      }
      if (entry.startSlot === known.real) state.configs[i] = { ...entry, startSlot: known.atOnce };
    });
  };
  const patched = (result: StepResult<ReplicaState>): StepResult<ReplicaState> => {
    rewrite(result.state);
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
 * A leader that collects below the HIGHEST replica's slotOut instead of the slot a majority
 * applied: each progress report is taken as every replica's, so the fastest replica sets the
 * horizon, and a collected slot may be held by that one replica only.
 */
export function collectBelowOne(role: LeaderProcessRole): LeaderProcessRole {
  return {
    ...role,
    step(state, message, now) {
      if (message.type !== 'progress') return role.step(state, message, now);
      const replicas = new Set<string>([message.from]);
      for (const leader of state.leaders.values()) {
        for (const id of leader.config.cluster.replicas) replicas.add(id);
      }
      const out = new StepCollector(state);
      for (const from of replicas) out.add(role.step(out.state, { ...message, from }, now));
      return out.result();
    },
  };
}

import {
  LIMITS,
  describeConfiguration,
  latestEntry,
  leavingMembers,
  opDigest,
  reconfigurationProblem,
  type ConfigEntry,
  type Configuration,
  type ReconfigureCommand,
  type Slot,
  type StepCollector,
} from '@paxos/shared';
import { configOfSlot } from './membership';
import { answerEnvelope, refusalEnvelope } from './outbox';
import type { ReplicaState } from './state';

/**
 * Applies a reconfiguration decided at `slot`. Refused (nothing changes, only its proposer
 * answers) while another is pending, or when the configuration in force does not allow it.
 * Asking again for the configuration already scheduled answers with it, so a retried admin
 * request that was decided twice changes nothing the second time.
 */
export function performReconfiguration(
  state: ReplicaState,
  slot: Slot,
  command: ReconfigureCommand,
  ours: boolean,
  out: StepCollector<ReplicaState> | null,
): void {
  const governing = configOfSlot(state, slot);
  const latest = latestEntry(state.configs);
  const { op } = command;
  const window = op.window ?? governing.window;
  const answer = (entry: ConfigEntry): void => {
    if (!ours || !out) return;
    out.send.push(
      answerEnvelope(state, {
        sessionId: 0,
        requestId: command.requestId,
        slot,
        result: {
          ok: true,
          value: null,
          config: { epoch: entry.config.epoch, startSlot: entry.startSlot },
        },
        opDigest: opDigest(op),
      }),
    );
  };
  if (sameMembers(latest.config, op) && latest.config.window === window) {
    answer(latest);
    return;
  }
  const refuse = (refused: 'reconfiguration-pending' | 'reconfiguration-invalid', why: string) => {
    state.counters.reconfigurationsRefused += 1;
    out?.notes.push(`reconfiguration at slot ${slot} refused: ${why}`);
    if (!ours || !out) return;
    const refusal = refusalEnvelope(state, command, refused, slot);
    if (refusal.message.type === 'response') refusal.message.result.value = why;
    out.send.push(refusal);
  };
  if (latest.startSlot > slot) {
    refuse(
      'reconfiguration-pending',
      `epoch ${latest.config.epoch} takes effect at ${latest.startSlot}`,
    );
    return;
  }
  const problem = reconfigurationProblem(latest.config, op, state.formerMembers);
  if (problem !== null) {
    refuse('reconfiguration-invalid', problem);
    return;
  }
  const entry: ConfigEntry = {
    startSlot: slot + governing.window,
    config: {
      epoch: latest.config.epoch + 1,
      acceptors: [...op.acceptors],
      leaders: [...op.leaders],
      replicas: [...op.replicas],
      window,
    },
  };
  state.configs.push(entry);
  state.formerMembers = [...state.formerMembers, ...leavingMembers(latest.config, op)].slice(
    -LIMITS.formerMembersMax,
  );
  state.counters.reconfigurations += 1;
  out?.events.push(
    `reconfiguration decided at slot ${slot}: ${describeConfiguration(entry.config)} from slot ` +
      `${entry.startSlot}`,
  );
  answer(entry);
}

function sameMembers(
  a: Configuration,
  b: { acceptors: string[]; leaders: string[]; replicas: string[] },
) {
  const same = (x: readonly string[], y: readonly string[]) =>
    x.length === y.length && x.every((v, i) => v === y[i]);
  return (
    same(a.acceptors, b.acceptors) && same(a.leaders, b.leaders) && same(a.replicas, b.replicas)
  );
}

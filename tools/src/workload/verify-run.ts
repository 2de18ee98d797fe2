import { checkLinearizable, type CheckResult } from '@paxos/sim/src/linearizability';
import { KvClient, type RecordedOperation } from './kv-client';
import { findLostWrites, type LostWrite } from './lost-writes';
import { wallClock } from './run-clients';

export interface RunVerdict {
  /** Every history operation, the final reads included. */
  history: RecordedOperation[];
  lost: LostWrite[];
  /** Keys whose final read got no answer. */
  unread: string[];
  linearizability: CheckResult;
}

/**
 * After the faults: reads every key back through the log, then checks that no acknowledged
 * write to a key owned by one sequential client was lost (`ownedKey`), and that the whole
 * history, final reads included, is linearizable.
 */
export async function verifyRun(o: {
  history: RecordedOperation[];
  keys: string[];
  ownedKey: (key: string) => boolean;
  replicaUrls: string[];
  /** How long the linearizability check may take; past it the verdict is 'unknown'. */
  linearizabilityBudgetMs?: number;
  /** The replicas' client key, when they require one (a read-only key is enough). */
  clientKey?: string;
}): Promise<RunVerdict> {
  const reader = new KvClient({
    replicaUrls: o.replicaUrls,
    commandDeadlineMs: 30_000,
    attemptTimeoutMs: 10_000,
    clock: wallClock,
    ...(o.clientKey === undefined ? {} : { clientKey: o.clientKey }),
  });
  const finalValues = new Map<string, string | null>();
  const unread: string[] = [];
  for (const key of o.keys) {
    const { result } = await reader.run({ kind: 'get', key });
    if (result) finalValues.set(key, result.value);
    else unread.push(key);
  }
  const owned = o.history.filter((op) => o.ownedKey(op.input.key));
  const history = [...o.history, ...reader.history];
  return {
    history,
    lost: findLostWrites(owned, finalValues),
    unread,
    linearizability: checkLinearizable(history, { timeoutMs: o.linearizabilityBudgetMs ?? 60_000 }),
  };
}

export function replicasLine(
  views: Array<{ name: string; slotOut: number; digest: string } | null>,
): string {
  return views
    .map((v) =>
      v ? `${v.name} slot_out=${v.slotOut} digest=${v.digest.slice(0, 12)}` : 'unreachable',
    )
    .join('; ');
}

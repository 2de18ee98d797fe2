import { envInt as int, parseEnv } from '@paxos/runtime';
import { z } from 'zod';
import { defaultLeaderTimings, type LeaderTimings } from '../role/config';

/** Leader timings from the environment; every variable is optional. */
export const LeaderEnvSchema = z.object({
  LEADER_RETRANSMIT_MS: int(defaultLeaderTimings.retransmitMs, 10, 600_000),
  LEADER_HEARTBEAT_MS: int(defaultLeaderTimings.heartbeatMs, 10, 600_000),
  LEADER_TIMEOUT_MS: int(defaultLeaderTimings.leaderTimeoutMs, 10, 600_000),
  LEADER_BACKOFF_MAX_MS: int(defaultLeaderTimings.backoffMaxMs, 10, 600_000),
  /** 0: every p2a goes to every acceptor at once (no thrifty phase 2). */
  LEADER_SPARE_AFTER_MS: int(defaultLeaderTimings.spareAfterMs ?? 0, 0, 600_000),
});

export function leaderTimings(env: NodeJS.ProcessEnv): LeaderTimings {
  const e = parseEnv(LeaderEnvSchema, env);
  return {
    retransmitMs: e.LEADER_RETRANSMIT_MS,
    heartbeatMs: e.LEADER_HEARTBEAT_MS,
    leaderTimeoutMs: e.LEADER_TIMEOUT_MS,
    backoffMaxMs: e.LEADER_BACKOFF_MAX_MS,
    spareAfterMs: e.LEADER_SPARE_AFTER_MS,
  };
}

import { envInt as int, parseEnv } from '@paxos/runtime';
import { z } from 'zod';
import {
  defaultLeaderTimings,
  defaultRetransmitTickBytesMax,
  type LeaderTimings,
} from '../role/config';

/** Leader timings from the environment; every variable is optional. */
export const LeaderEnvSchema = z
  .object({
    LEADER_RETRANSMIT_MS: int(defaultLeaderTimings.retransmitMs, 10, 600_000),
    /** Unset: 8x LEADER_RETRANSMIT_MS (the back-off doubles the wait per round up to it). */
    LEADER_RETRANSMIT_MS_MAX: z.coerce.number().int().min(10).max(3_600_000).optional(),
    /**
     * p2a bytes (step-commit body) a tick may re-send, lowest slots first; the first due
     * commander goes whatever its size, so a small value only spreads rounds over more ticks.
     */
    LEADER_RETRANSMIT_TICK_BYTES_MAX: int(defaultRetransmitTickBytesMax, 65_536, 1_073_741_824),
    LEADER_HEARTBEAT_MS: int(defaultLeaderTimings.heartbeatMs, 10, 600_000),
    LEADER_TIMEOUT_MS: int(defaultLeaderTimings.leaderTimeoutMs, 10, 600_000),
    LEADER_BACKOFF_MAX_MS: int(defaultLeaderTimings.backoffMaxMs, 10, 600_000),
    /** 0: every p2a goes to every acceptor at once (no thrifty phase 2). */
    LEADER_SPARE_AFTER_MS: int(defaultLeaderTimings.spareAfterMs ?? 0, 0, 600_000),
  })
  .refine(
    (e) =>
      e.LEADER_RETRANSMIT_MS_MAX === undefined ||
      e.LEADER_RETRANSMIT_MS_MAX >= e.LEADER_RETRANSMIT_MS,
    {
      path: ['LEADER_RETRANSMIT_MS_MAX'],
      message: 'must be at least LEADER_RETRANSMIT_MS',
    },
  );

export function leaderTimings(env: NodeJS.ProcessEnv): LeaderTimings {
  const e = parseEnv(LeaderEnvSchema, env);
  return {
    retransmitMs: e.LEADER_RETRANSMIT_MS,
    ...(e.LEADER_RETRANSMIT_MS_MAX === undefined
      ? {}
      : { retransmitMsMax: e.LEADER_RETRANSMIT_MS_MAX }),
    retransmitTickBytesMax: e.LEADER_RETRANSMIT_TICK_BYTES_MAX,
    heartbeatMs: e.LEADER_HEARTBEAT_MS,
    leaderTimeoutMs: e.LEADER_TIMEOUT_MS,
    backoffMaxMs: e.LEADER_BACKOFF_MAX_MS,
    spareAfterMs: e.LEADER_SPARE_AFTER_MS,
  };
}

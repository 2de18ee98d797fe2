import type { Envelope } from '@paxos/shared';
import type { ClientBehaviour } from './client-behaviour';

export interface ClientTimingConfig {
  retryTimeoutMs: number;
  thinkTimeMaxMs: number;
}

export interface SimClientConfig {
  id: string;
  index: number;
  replicas: readonly string[];
  opsToIssue: number;
  keyCount: number;
  timing: ClientTimingConfig;
  behaviour: ClientBehaviour;
  /** false only for the deliberately broken boundary that lets anything through. */
  checksInput: boolean;
}

/** A timer the simulation keeps for a client and hands back when it fires. */
export type ClientTimer =
  | { kind: 'issue' }
  /** Resend the registration or the outstanding command, if `attempt` is still the latest. */
  | { kind: 'retry'; attempt: number }
  | { kind: 'probe'; probeId: number; attempt: number };

/** What a client did: requests to send (from the client), timers to set, lines for the trace. */
export interface ClientStep {
  sends: Envelope[];
  timers: Array<{ atMs: number; timer: ClientTimer }>;
  notes: string[];
}

export const emptyStep = (): ClientStep => ({ sends: [], timers: [], notes: [] });

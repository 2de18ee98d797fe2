import { LIMITS } from '@paxos/shared';
import {
  ShellCore,
  ShellFatalError,
  coalesceRequests,
  type ShellAction,
  type ShellObserver,
  type ShellOutcome,
} from '@paxos/runtime';
import { violated } from '../checkers/violation';
import type { SimProcess } from '../cluster/sim-process';

/** How the simulator configures every process's shell core. */
export interface SimShellConfig {
  /** The body budget the core plans commits for (far above the data API's limit: must fail). */
  commitBodyBytesMax: number;
  /** Ids of queued messages: a counter of the run, never Math.random. */
  newId: () => string;
  observer: ShellObserver;
}

/** The shell's claim batch in the sim: one delivery is one row, so batches stay small. */
const SIM_CLAIM_BATCH = 16;
/** As the services' default: a row claimed this often without an ack is poison. */
const SIM_MAX_ATTEMPTS = 20;

/** The commit budget of a normal run: the services' own. */
export const SIM_COMMIT_BODY_BYTES_MAX = LIMITS.commitBodyBytesMax;
/** --oversized-commits: a shell that plans commits sixteen times the data API's limit. */
export const OVERSIZED_COMMIT_BODY_BYTES_MAX = 16 * LIMITS.dataApiBodyBytesMax;

/** A new incarnation's core, begun at `epoch`: its first action loads the durable map. */
export function startCore<K extends string, S, C>(
  p: SimProcess<K, S, C>,
  epoch: number,
  config: SimShellConfig,
): ShellCore<S, C> {
  const core = new ShellCore<S, C>({
    processId: p.id,
    role: p.role,
    config: p.config,
    claimBatch: SIM_CLAIM_BATCH,
    maxAttempts: SIM_MAX_ATTEMPTS,
    commitBodyBytesMax: config.commitBodyBytesMax,
    // The replica service merges client requests that arrive together (replica-service.ts).
    ...(p.kind === 'replica' ? { coalesceLocal: coalesceRequests } : {}),
    newId: config.newId,
    observer: config.observer,
  });
  core.begin(epoch);
  p.core = core;
  p.epoch = epoch;
  return core;
}

/**
 * Runs the core until it has nothing to do at `nowMs`: each action performed synchronously
 * (the simulated data API answers at once) and settled before the next. A ShellFatalError (the
 * service would exit) is a violation naming the process.
 */
export function drainCore<S, C>(
  processId: string,
  core: ShellCore<S, C>,
  nowMs: number,
  perform: (action: ShellAction) => ShellOutcome,
): void {
  try {
    for (let action = core.next(nowMs); action !== null; action = core.next(nowMs)) {
      core.settle(perform(action), nowMs);
    }
  } catch (err) {
    if (err instanceof ShellFatalError) {
      violated('shell-fatal', `${processId} would exit (code ${err.exitCode}): ${err.message}`);
    }
    throw err;
  }
}

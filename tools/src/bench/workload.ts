import type { KeyOp } from '@paxos/shared';
import { wallClock } from '../workload/run-clients';
import type { OpRunner, RunnerFactory } from './op-runner';

/**
 * The load generator: closed and open loops of gets and puts, the same for every system under
 * test; `runners` says how one command is executed (fleet-runner.ts, etcd-client.ts).
 */

export interface WorkloadShape {
  keys: number;
  /** Fraction of gets, 0..1; the rest are puts. */
  readRatio: number;
}

/** The n-th command of client `clientIndex`: a get or a put of a uniformly chosen key. */
export function makeOp(
  shape: WorkloadShape,
  clientIndex: number,
  n: number,
  random = Math.random,
): KeyOp {
  const key = `k${Math.floor(random() * shape.keys)}`;
  return random() < shape.readRatio
    ? { kind: 'get', key }
    : { kind: 'put', key, value: `c${clientIndex}-${n}` };
}

/** Acknowledged commands: when each was answered, how long it took, and what it was. */
export interface Completions {
  atMs: number[];
  latencyMs: number[];
  kinds: Array<KeyOp['kind']>;
  unanswered: number;
}

export const noCompletions = (): Completions => ({
  atMs: [],
  latencyMs: [],
  kinds: [],
  unanswered: 0,
});

/** Latencies of the commands answered within [fromMs, toMs), of one kind or of every kind. */
export function latenciesWithin(
  c: Completions,
  fromMs: number,
  toMs: number,
  kind?: KeyOp['kind'],
): number[] {
  const out: number[] = [];
  for (let i = 0; i < c.atMs.length; i++) {
    const at = c.atMs[i]!;
    if (at >= fromMs && at < toMs && (kind === undefined || c.kinds[i] === kind))
      out.push(c.latencyMs[i]!);
  }
  return out;
}

function complete(c: Completions, op: KeyOp, atMs: number, latencyMs: number): void {
  c.atMs.push(atMs);
  c.latencyMs.push(latencyMs);
  c.kinds.push(op.kind);
}

export interface LoopOptions extends WorkloadShape {
  runners: RunnerFactory;
  /** Wall-clock milliseconds (tests pass their own). */
  clock?: () => number;
}

/**
 * Closed loop: `clients` clients, one command in flight each, until stop() is called; a
 * command's latency runs from its send to its answer. Commands still in flight then finish
 * (or give up after their deadline) before stop() resolves.
 */
export function startClosedLoop(o: LoopOptions & { clients: number }): {
  completions: Completions;
  stop: () => Promise<void>;
} {
  const clock = o.clock ?? wallClock;
  const completions = noCompletions();
  let stopping = false;
  const loops = Array.from({ length: o.clients }, async (_, i) => {
    const runner = o.runners(i);
    for (let n = 0; !stopping; n++) {
      const op = makeOp(o, i, n);
      const sentAt = clock();
      if (await runner.run(op)) {
        const at = clock();
        complete(completions, op, at, at - sentAt);
      } else completions.unanswered += 1;
    }
  });
  return {
    completions,
    stop: async () => {
      stopping = true;
      await Promise.all(loops);
    },
  };
}

/**
 * How many commands of an open loop at `perSecond` are due `elapsedMs` after its start:
 * command n is due at n / perSecond seconds, the first one at once.
 */
export function commandsDue(elapsedMs: number, perSecond: number): number {
  return Math.floor((elapsedMs / 1000) * perSecond) + 1;
}

/** When command n of an open loop started at `startedAtMs` is due. */
export function dueAtMs(startedAtMs: number, n: number, perSecond: number): number {
  return startedAtMs + (n * 1000) / perSecond;
}

/** Calls `tick` every `ms` milliseconds until the returned function is called. */
export type Ticker = (ms: number, tick: () => void) => () => void;

const intervalTicker: Ticker = (ms, tick) => {
  const timer = setInterval(tick, ms);
  return () => clearInterval(timer);
};

/**
 * At most this many clients of an open loop wait for answers at once. Commands that come due
 * while all of them are busy wait for the first one free, their latency still counted from when
 * they were due. Without a bound a system that falls behind at 1,000/s gets a thousand new
 * clients a second (each a connection, and for the fleet a session registered through the log),
 * and this process runs out of file descriptors within a minute.
 */
export const MAX_OPEN_LOOP_CLIENTS = 1_000;

/**
 * Open loop: commands are issued at `perSecond` whatever the answers do, each by an idle
 * client (a new one when all are busy, up to `maxClients`). A command's latency counts from the
 * moment it was DUE, not from when it went out, so a stall (of the system, or of this
 * process's timer) shows in the percentiles instead of quietly lowering the offered load (no
 * coordinated omission).
 */
export function startOpenLoop(
  o: LoopOptions & { perSecond: number; maxClients?: number; ticker?: Ticker; tickMs?: number },
): {
  completions: Completions;
  /** How many clients the loop made: more than a handful says answers fell behind. */
  clientsMade: () => number;
  stop: () => Promise<void>;
} {
  const clock = o.clock ?? wallClock;
  const maxClients = o.maxClients ?? MAX_OPEN_LOOP_CLIENTS;
  const completions = noCompletions();
  const idle: OpRunner[] = [];
  let made = 0;
  let issued = 0;
  /** Due commands waiting for a client (all were busy and no more could be made). */
  const waiting: number[] = [];
  const inFlight = new Set<Promise<void>>();
  const startedAt = clock();
  const send = (runner: OpRunner, n: number): void => {
    const dueAt = dueAtMs(startedAt, n, o.perSecond);
    const op = makeOp(o, 0, n);
    const p = runner.run(op).then((answered) => {
      if (answered) {
        const at = clock();
        complete(completions, op, at, at - dueAt);
      } else completions.unanswered += 1;
      inFlight.delete(p);
      const next = waiting.shift();
      if (next === undefined) idle.push(runner);
      else send(runner, next);
    });
    inFlight.add(p);
  };
  const issue = (n: number): void => {
    const runner = idle.pop() ?? (made < maxClients ? o.runners(made++) : undefined);
    if (runner) send(runner, n);
    else waiting.push(n);
  };
  // Each tick issues every command that has come due since the last one.
  const stopTicking = (o.ticker ?? intervalTicker)(o.tickMs ?? 5, () => {
    const due = commandsDue(clock() - startedAt, o.perSecond);
    while (issued < due) issue(issued++);
  });
  return {
    completions,
    clientsMade: () => made,
    stop: async () => {
      stopTicking();
      // Commands never sent have no outcome to wait for; those in flight finish.
      waiting.length = 0;
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  };
}

import { randomBytes } from 'node:crypto';
import type { Op } from '@paxos/shared';
import type { FleetTarget } from '../config/fleet-targets';
import { describeFetchFailure } from '../net/fetch-failure';
import type { FleetView } from '../view/fleet-view';

export interface RelayedAnswer {
  replica: string;
  requestId: string;
  slot: number;
  result: { ok: boolean; value: string | null };
}

/** A command the relay could not get answered; `status` is the HTTP status to pass on. */
export class CommandRelayError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'CommandRelayError';
  }
}

/**
 * Sends the page's client commands to a replica, as any client of the fleet would: one client
 * id per dashboard process, and on a timeout, a 503 or a dead replica the SAME request id on
 * the next replica, so a command that was decided after all still runs only once.
 */
export class CommandRelay {
  private readonly clientId = `dashboard-${randomBytes(4).toString('hex')}`;
  private sequence = 0;

  constructor(
    private readonly replicas: FleetTarget[],
    private readonly latestView: () => FleetView | null,
    private readonly attemptTimeoutMs = 10_000,
  ) {}

  async run(op: Op): Promise<RelayedAnswer> {
    const requestId = `${++this.sequence}`;
    const failures: string[] = [];
    for (const replica of replicasToTry(this.replicas, this.latestView())) {
      const outcome = await this.attempt(replica, requestId, op);
      if (outcome.kind === 'answered') return outcome.answer;
      if (outcome.kind === 'refused') throw new CommandRelayError(400, outcome.error);
      failures.push(`${replica.name}: ${outcome.error}`);
    }
    throw new CommandRelayError(
      503,
      failures.length === 0
        ? 'the fleet has no replica'
        : `no replica answered (${failures.join('; ')})`,
    );
  }

  private async attempt(
    replica: FleetTarget,
    requestId: string,
    op: Op,
  ): Promise<
    | { kind: 'answered'; answer: RelayedAnswer }
    | { kind: 'refused'; error: string }
    | { kind: 'failed'; error: string }
  > {
    try {
      const res = await fetch(`${replica.url}/commands`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ clientId: this.clientId, requestId, op }),
        signal: AbortSignal.timeout(this.attemptTimeoutMs),
      });
      const body = (await res.json().catch(() => ({}))) as {
        slot?: number;
        result?: RelayedAnswer['result'];
        error?: string;
      };
      if (res.status === 200 && body.result && typeof body.slot === 'number') {
        return {
          kind: 'answered',
          answer: { replica: replica.name, requestId, slot: body.slot, result: body.result },
        };
      }
      if (res.status === 400) return { kind: 'refused', error: body.error ?? 'refused' };
      return { kind: 'failed', error: body.error ?? `HTTP ${res.status}` };
    } catch (err) {
      return { kind: 'failed', error: describeFetchFailure(err, this.attemptTimeoutMs) };
    }
  }
}

/** Replicas the last scrape saw up come first; the others are still worth a try. */
export function replicasToTry(replicas: FleetTarget[], view: FleetView | null): FleetTarget[] {
  const up = new Set(view?.services.filter((s) => s.status === 'up').map((s) => s.name) ?? []);
  return [...replicas.filter((r) => up.has(r.name)), ...replicas.filter((r) => !up.has(r.name))];
}

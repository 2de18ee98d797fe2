import type { Op } from '@paxos/shared';
import type { FleetTarget } from '../config/fleet-targets';
import { describeFetchFailure } from '../net/fetch-failure';
import type { FleetView } from '../view/fleet-view';

export interface RelayedAnswer {
  replica: string;
  sessionId: number;
  requestId: number;
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

type Attempt =
  | { kind: 'answered'; body: Record<string, unknown> }
  /** A final answer other than 200 (400, 409, 410, 413): passed on, never retried. */
  | { kind: 'final'; status: number; error: string; code: string | null }
  /** No answer, or one the contract asks to retry with the same ids (503, 504). */
  | { kind: 'failed'; error: string };

/**
 * Sends the page's client commands to a replica, as any client of the fleet would
 * (docs/limits-and-errors.md): one session per dashboard process, registered on the first
 * command, and request numbers 1, 2, 3, ... On a timeout, a 503 or a dead replica it tries the
 * SAME session and request number on the next replica, so a command that was decided after
 * all still runs only once. A 410 means the outcome is unknown: it is passed on, and the
 * command is not resubmitted under a new session.
 */
export class CommandRelay {
  private session: Promise<number> | null = null;
  private lastRequestId = 0;

  constructor(
    /** The replicas to try, asked at each command: reconfigurations add and remove some. */
    private readonly replicas: () => FleetTarget[],
    private readonly latestView: () => FleetView | null,
    private readonly attemptTimeoutMs = 10_000,
    /** Sent as `Authorization: Bearer` (PAXOS_KEY); null: a fleet without client keys. */
    private readonly clientKey: string | null = null,
  ) {}

  async run(op: Op): Promise<RelayedAnswer> {
    const sessionId = await this.sessionId();
    const requestId = ++this.lastRequestId;
    const body = { sessionId, requestId, op };
    const failures: string[] = [];
    for (const replica of replicasToTry(this.replicas(), this.latestView())) {
      const outcome = await this.attempt(replica, '/commands', body);
      if (outcome.kind === 'answered' && typeof outcome.body.slot === 'number') {
        const { slot, result } = outcome.body as Pick<RelayedAnswer, 'slot' | 'result'>;
        return { replica: replica.name, sessionId, requestId, slot, result };
      }
      if (outcome.kind === 'final') {
        if (outcome.code === 'session-unknown') this.forget(sessionId);
        const unknown =
          outcome.status === 410 ? '; its outcome is unknown, so it was not resent' : '';
        throw new CommandRelayError(outcome.status, `${outcome.error}${unknown}`);
      }
      failures.push(`${replica.name}: ${outcome.kind === 'answered' ? 'no slot' : outcome.error}`);
    }
    throw new CommandRelayError(503, `${noAnswer(failures)}; the command may still run`);
  }

  /** This process's session, registered once (concurrent commands share the registration). */
  private sessionId(): Promise<number> {
    if (!this.session) {
      this.session = this.register();
      this.session.catch(() => (this.session = null));
    }
    return this.session;
  }

  private forget(sessionId: number): void {
    void this.session?.then((current) => {
      if (current === sessionId) this.session = null;
    });
  }

  private async register(): Promise<number> {
    const failures: string[] = [];
    for (const replica of replicasToTry(this.replicas(), this.latestView())) {
      const outcome = await this.attempt(replica, '/sessions', {});
      if (outcome.kind === 'answered' && typeof outcome.body.sessionId === 'number') {
        this.lastRequestId = 0;
        return outcome.body.sessionId;
      }
      failures.push(
        `${replica.name}: ${outcome.kind === 'answered' ? 'no session id' : outcome.error}`,
      );
    }
    throw new CommandRelayError(503, noAnswer(failures));
  }

  private async attempt(replica: FleetTarget, path: string, body: unknown): Promise<Attempt> {
    try {
      const res = await fetch(`${replica.url}${path}`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          ...(this.clientKey ? { Authorization: `Bearer ${this.clientKey}` } : {}),
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.attemptTimeoutMs),
      });
      const answer = (await res.json().catch(() => ({}))) as Record<string, unknown>;
      const error = typeof answer.error === 'string' ? answer.error : `HTTP ${res.status}`;
      if (res.status === 200) return { kind: 'answered', body: answer };
      // Every replica holds the same keys: another would refuse too. A 502, not the 401/403
      // itself, so the page does not take it for a refusal of its own token.
      if (res.status === 401 || res.status === 403) {
        const why = `the replicas refused the dashboard's client key (PAXOS_KEY): ${error}`;
        return { kind: 'final', status: 502, error: why, code: null };
      }
      if ([400, 409, 410, 413].includes(res.status)) {
        const code = typeof answer.code === 'string' ? answer.code : null;
        return { kind: 'final', status: res.status, error, code };
      }
      return { kind: 'failed', error };
    } catch (err) {
      return { kind: 'failed', error: describeFetchFailure(err, this.attemptTimeoutMs) };
    }
  }
}

const noAnswer = (failures: string[]): string =>
  failures.length === 0
    ? 'the fleet has no replica'
    : `no replica answered (${failures.join('; ')})`;

/**
 * Replicas the last scrape saw up and in the configuration come first, then the others that
 * are up (one not yet known to be a member), then the rest: still worth a try. A replica
 * that left the configuration only sends clients elsewhere, so it comes last.
 */
export function replicasToTry(replicas: FleetTarget[], view: FleetView | null): FleetTarget[] {
  const seen = new Map(view?.services.map((s) => [s.name, s]) ?? []);
  const rank = (r: FleetTarget): number => {
    const s = seen.get(r.name);
    if (s?.membership === 'former' || s?.membership === 'outside') return 3;
    if (s?.status !== 'up') return 2;
    return s.membership === 'member' || s.membership === 'leaving' ? 0 : 1;
  };
  // Array.prototype.sort is stable: the configured order holds within a rank.
  return [...replicas].sort((a, b) => rank(a) - rank(b));
}

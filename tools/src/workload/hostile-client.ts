import { LIMITS, type Op, type OpResult } from '@paxos/shared';
import {
  HOSTILE_CASES,
  bogusSessionId,
  hostileBody,
  judge,
  type HostileCase,
  type Verdict,
} from './hostile-cases';
import { SessionClient } from './session-client';

/** Counts of a hostile run: answers by case and status, unanswered cases, and failures. */
export class HostileTally {
  readonly answered = new Map<HostileCase, Map<number, number>>();
  noAnswer = 0;
  readonly failures: string[] = [];

  record(c: HostileCase, v: Verdict): void {
    if (v.kind === 'no-answer') this.noAnswer += 1;
    else if (v.kind === 'unexpected') this.failures.push(v.detail);
    else {
      const byStatus = this.answered.get(c) ?? new Map<number, number>();
      byStatus.set(v.status, (byStatus.get(v.status) ?? 0) + 1);
      this.answered.set(c, byStatus);
    }
  }

  merge(other: HostileTally): void {
    for (const [c, byStatus] of other.answered)
      for (const [status, n] of byStatus)
        for (let i = 0; i < n; i++) this.record(c, { kind: 'expected', status });
    this.noAnswer += other.noAnswer;
    this.failures.push(...other.failures);
  }

  /** Cases never answered as expected: a run that cannot show them proves nothing about them. */
  unshown(): HostileCase[] {
    return HOSTILE_CASES.filter((c) => !this.answered.has(c));
  }

  /** `hostile: 40 as expected (nul-value 400x4, ...), 2 without an answer, 0 unexpected`. */
  summary(): string {
    let expected = 0;
    const parts: string[] = [];
    for (const c of HOSTILE_CASES) {
      const byStatus = this.answered.get(c);
      if (!byStatus) continue;
      const counts = [...byStatus].map(([status, n]) => `${status}x${n}`).join('/');
      expected += [...byStatus.values()].reduce((a, b) => a + b, 0);
      parts.push(`${c} ${counts}`);
    }
    return (
      `hostile: ${expected} as expected (${parts.join(', ')}), ` +
      `${this.noAnswer} without a final answer, ${this.failures.length} unexpected`
    );
  }
}

export interface HostileRunOptions {
  replicaUrls: string[];
  /** Names its keys (`hostile-<index>-...`, apart from the normal load's) and its first replica. */
  index: number;
  shouldStop: () => boolean;
  random: () => number;
  /** A pause between two cases, so the hostile inputs go alongside the load, not instead. */
  pauseMs: number;
  commandDeadlineMs: number;
  attemptTimeoutMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One hostile client: its own session, going through every case of hostile-cases.ts in turn
 * until told to stop. Every attempt's status is kept (`statuses`) so that a 5xx the contract
 * does not have is caught even when a retry got through.
 */
export async function runHostileClient(
  o: HostileRunOptions,
): Promise<{ tally: HostileTally; statuses: ReadonlyMap<number, number> }> {
  const client = new SessionClient({
    replicaUrls: o.replicaUrls,
    firstReplica: o.index,
    commandDeadlineMs: o.commandDeadlineMs,
    attemptTimeoutMs: o.attemptTimeoutMs,
  });
  const tally = new HostileTally();
  const prefix = `hostile-${o.index}`;
  /** A decided command of this session, retried once enough newer ones have pushed it out. */
  let decided: { sessionId: number; body: string; slot: number; result: OpResult } | null = null;

  const oneCase = async (c: HostileCase, sessionId: number): Promise<void> => {
    if (c === 'reused-request-id') {
      const requestId = client.nextRequestId();
      const op = (value: string): Op => ({ kind: 'put', key: `${prefix}-reuse`, value });
      const body = JSON.stringify({ sessionId, requestId, op: op(`first-${requestId}`) });
      const first = await client.submitBody(body, sessionId);
      if (first.kind !== 'ok') {
        const gaveUp = first.kind === 'unknown' && first.code === 'deadline';
        const detail = `${c}: the first command got ${first.status} ${first.code}, expected 200`;
        tally.record(c, gaveUp ? { kind: 'no-answer' } : { kind: 'unexpected', detail });
        return;
      }
      decided = { sessionId, body, slot: first.slot, result: first.result };
      tally.record(c, judge(c, await client.submit(sessionId, requestId, op('second'))));
      return;
    }
    if (c === 'old-request-retry') {
      if (decided?.sessionId !== sessionId) return;
      // More newer commands than a session keeps answers for.
      for (let i = 0; i <= LIMITS.responsesPerSessionMax; i++) {
        const filler: Op = { kind: 'put', key: `${prefix}-filler`, value: `f${i}` };
        await client.submit(sessionId, client.nextRequestId(), filler);
      }
      tally.record(c, judge(c, await client.submitBody(decided.body, sessionId), decided));
      decided = null;
      return;
    }
    const bogus = c === 'bogus-session' ? bogusSessionId(o.random) : null;
    const body = hostileBody(c, bogus ?? sessionId, bogus ? 1 : client.nextRequestId(), prefix);
    tally.record(c, judge(c, await client.submitBody(body, bogus ?? sessionId)));
  };

  while (!o.shouldStop()) {
    for (const c of HOSTILE_CASES) {
      if (o.shouldStop()) break;
      const sessionId = await client.ensureSession();
      if (sessionId === null) tally.record(c, { kind: 'no-answer' });
      else await oneCase(c, sessionId);
      await sleep(o.pauseMs * (0.5 + o.random()));
    }
  }
  return { tally, statuses: client.statuses };
}

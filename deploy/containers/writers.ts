import { KvClient, type RecordedOperation } from '../../tools/src/workload/kv-client';
import { keyedDispatcher } from './client-key';

/**
 * Closed-loop clients that keep writing while containers are killed. Each owns its keys (the
 * lost-write check needs one sequential writer per key) and has a session of its own; it
 * retries a command with the same session and request number on the other replica when one
 * does not answer, so the command runs at most once.
 */
export class Writers {
  private readonly clients: KvClient[];
  private running = false;
  private loops: Array<Promise<void>> = [];

  constructor(
    replicaUrls: string[],
    count: number,
    private readonly keysPerWriter: number,
  ) {
    this.clients = Array.from(
      { length: count },
      (_, i) =>
        new KvClient({
          firstReplica: i,
          replicaUrls,
          // A command waits out a leader failover; the replica answers 504 first (10 s).
          commandDeadlineMs: 90_000,
          attemptTimeoutMs: 12_000,
          clock: Date.now,
          dispatcher: keyedDispatcher,
        }),
    );
  }

  start(): void {
    this.running = true;
    this.loops = this.clients.map((client, w) => this.loop(client, w));
  }

  /**
   * Lets each writer finish its command in flight and stops, waiting at most `graceMs`: a
   * command still unanswered then stays unanswered in the history (it may or may not run).
   */
  async stop(graceMs = 30_000): Promise<void> {
    this.running = false;
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((r) => (timer = setTimeout(r, graceMs)));
    await Promise.race([Promise.all(this.loops), grace]);
    clearTimeout(timer);
  }

  private async loop(client: KvClient, w: number): Promise<void> {
    for (let i = 0; this.running; i++) {
      const key = `w${w}-k${i % this.keysPerWriter}`;
      await client.run({ kind: 'put', key, value: `w${w}-v${i}` });
    }
  }

  get history(): RecordedOperation[] {
    return this.clients.flatMap((c) => c.history);
  }

  /**
   * Writes issued at or after `sinceMs` and acknowledged. After a leader's kill these can only
   * have been decided by a leader that is still alive.
   */
  acknowledgedSince(sinceMs: number): number {
    return this.history.filter((op) => op.output !== null && op.call >= sinceMs).length;
  }

  /**
   * What clients saw of a fault at `faultAt`, over once `backAt` (the fault's end, when it has
   * one): how long no write was acknowledged around it, how many were acknowledged in between,
   * and how long after `backAt` the first one came.
   */
  outage(
    faultAt: number,
    backAt = faultAt,
  ): { outageMs: number; answeredBetween: number; resumedAfterMs: number } {
    const answered = this.history.flatMap((op) =>
      op.output !== null && op.return !== null ? [op.return] : [],
    );
    const lastBefore = Math.max(...answered.filter((t) => t <= faultAt));
    const firstAfter = Math.min(...answered.filter((t) => t >= backAt));
    return {
      outageMs: firstAfter - lastBefore,
      answeredBetween: answered.filter((t) => t > faultAt && t < backAt).length,
      resumedAfterMs: firstAfter - backAt,
    };
  }

  /** Every key the writers wrote. */
  keys(): string[] {
    return [...new Set(this.history.map((op) => op.input.key))].sort();
  }
}

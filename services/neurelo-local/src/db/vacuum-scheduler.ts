import type { Logger } from 'pino';
import type { Database } from './database';

/** A step commit or a claim is one write; a busy fleet makes hundreds a second. */
export const DEFAULT_MIN_WRITES = 50;

/**
 * Vacuums the tables a short while after they were written to. A queue table churns: every
 * message is inserted, updated by its lease and deleted by its ack, and until VACUUM removes
 * the dead row versions, every claim walks over them (a claim took 7 ms instead of 0.1 ms
 * after 14,000 messages). Autovacuum is too coarse for that (it wakes once a minute, and some
 * servers run with it off), so the data API does it itself: at most once per `everyMs`, once
 * `minWrites` writing requests have come in since the last round (an idle fleet's heartbeats
 * leave a few dead rows a minute, not worth a round every few seconds). SKIP_LOCKED: a table
 * someone holds a conflicting lock on is left for the next round instead of waited for.
 * TRUNCATE false: giving the empty pages at the end of a table back to the file system needs
 * an ACCESS EXCLUSIVE lock, and every claim and commit on that table waits while VACUUM holds
 * it (seen in pg_stat_activity under load as claims and commits queued behind
 * `VacuumTruncate`). A queue refills those pages within seconds anyway.
 */
export class VacuumScheduler {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  /** Writing requests since the last round began. */
  private writes = 0;
  private closed = false;
  /** Completed vacuum rounds (tests read it). */
  rounds = 0;

  constructor(
    private readonly db: Database,
    private readonly tables: string[],
    private readonly everyMs: number,
    private readonly logger?: Logger,
    private readonly minWrites = DEFAULT_MIN_WRITES,
  ) {}

  /** A request wrote something: after enough of them, a vacuum round follows within `everyMs`. */
  noteWrites(): void {
    if (this.everyMs <= 0 || this.closed || this.tables.length === 0) return;
    this.writes += 1;
    this.scheduleIfDue();
  }

  private scheduleIfDue(): void {
    if (this.timer || this.running || this.closed || this.writes < this.minWrites) return;
    this.timer = setTimeout(() => void this.runRound(), this.everyMs);
    this.timer.unref();
  }

  private async runRound(): Promise<void> {
    this.timer = null;
    this.writes = 0;
    this.running = true;
    const list = this.tables.map(quoteIdent).join(', ');
    try {
      await this.db.exec(`VACUUM (SKIP_LOCKED, TRUNCATE false) ${list}`);
      this.rounds += 1;
    } catch (err) {
      // An outage or a shutdown: the next write schedules another round.
      this.logger?.debug({ err: (err as Error).message }, 'vacuum round failed');
    } finally {
      this.running = false;
    }
    // Writes that came in during the round may already call for the next one.
    this.scheduleIfDue();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

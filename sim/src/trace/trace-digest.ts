import { createHash, type Hash } from 'node:crypto';

/**
 * A sha256 over every event the simulator delivered, in order. Two runs of one seed must
 * print the same digest; if they do not, something outside the seed (a clock, Math.random,
 * unordered iteration) leaked into the run.
 */
export class TraceDigest {
  private readonly hash: Hash = createHash('sha256');
  private events = 0;

  add(line: string): void {
    this.hash.update(line);
    this.hash.update('\n');
    this.events++;
  }

  get eventCount(): number {
    return this.events;
  }

  /** Finishes the hash; call once. */
  hex(): string {
    return this.hash.digest('hex');
  }
}

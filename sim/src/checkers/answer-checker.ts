import { clientDestination, commandKey, type OpResult, type Response } from '@paxos/shared';
import { isRefusalToRun, sameResult } from './at-most-once-checker';
import type { FirstOccurrences } from './first-occurrences';
import { violated } from './violation';

/**
 * From the clients' side: one request number has one answer. Retries, duplicated messages and
 * several replicas may each answer a request, which is fine as long as every answer is the
 * same (slot, result and operation digest). A 410 says only that the command does not run now,
 * so it may come besides the answer. The digest must be that of the operation FIRST decided
 * under the number: a client that reused the number with another operation then sees a 409,
 * never the first operation's result passed off as its own. Registrations are left out: each
 * attempt draws a new number, and a duplicated one may register twice, which only wastes a
 * session.
 */
export class AnswerChecker {
  private readonly first = new Map<
    string,
    { slot: number; result: OpResult; opDigest: string; from: string }
  >();

  /** `firsts` null: no digest check (the checker's unit tests feed answers without a log). */
  constructor(private readonly firsts: FirstOccurrences | null = null) {}

  onResponse(to: string, response: Response): void {
    const key = commandKey(response);
    if (to !== clientDestination(response.sessionId)) {
      violated('answered-once', `${response.from} sent the answer to ${key} to ${to}`);
    }
    // A read without a slot (docs/reads.md) runs afresh each time: a retry may see a newer
    // value. The linearizability checker judges what it returned.
    if (response.sessionId === 0 || isRefusalToRun(response.result)) return;
    if (response.read !== undefined) return;
    this.checkDigest(key, response);
    const known = this.first.get(key);
    if (known === undefined) {
      this.first.set(key, {
        slot: response.slot,
        result: response.result,
        opDigest: response.opDigest,
        from: response.from,
      });
      return;
    }
    const same =
      known.slot === response.slot &&
      sameResult(known.result, response.result) &&
      known.opDigest === response.opDigest;
    if (!same) {
      violated(
        'answered-once',
        `${key} answered ${JSON.stringify(known.result)} at slot ${known.slot} (operation ` +
          `${known.opDigest}) by ${known.from} and ${JSON.stringify(response.result)} at slot ` +
          `${response.slot} (operation ${response.opDigest}) by ${response.from}`,
      );
    }
  }

  private checkDigest(key: string, response: Response): void {
    if (this.firsts === null || !this.firsts.readThrough(response.slot)) return;
    const digest = this.firsts.digestOf(key);
    if (digest !== undefined && digest !== response.opDigest) {
      violated(
        'answered-once',
        `${response.from} answered ${key} with operation ${response.opDigest}, but the ` +
          `operation first decided under that number (slot ${this.firsts.of(key)?.slot}) is ${digest}`,
      );
    }
  }
}

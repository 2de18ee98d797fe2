import { commandKey, type OpResult, type Response } from '@paxos/shared';
import { violated } from './violation';

/**
 * From the clients' side: one request id has one answer. Retries, duplicated messages and
 * several replicas may each answer a request, which is fine as long as every answer is the
 * same (same slot, same result); two different answers mean it ran twice or diverged.
 */
export class AnswerChecker {
  private readonly first = new Map<string, { slot: number; result: OpResult; from: string }>();

  onResponse(to: string, response: Response): void {
    const who = `${response.clientId}/${response.requestId}`;
    if (to !== response.clientId) {
      violated('answered-once', `${response.from} sent the answer to ${who} to ${to}`);
    }
    const key = commandKey(response);
    const known = this.first.get(key);
    if (known === undefined) {
      this.first.set(key, { slot: response.slot, result: response.result, from: response.from });
      return;
    }
    const same =
      known.slot === response.slot &&
      known.result.ok === response.result.ok &&
      known.result.value === response.result.value;
    if (!same) {
      violated(
        'answered-once',
        `${who} answered ${JSON.stringify(known.result)} at slot ${known.slot} by ${known.from} ` +
          `and ${JSON.stringify(response.result)} at slot ${response.slot} by ${response.from}`,
      );
    }
  }
}

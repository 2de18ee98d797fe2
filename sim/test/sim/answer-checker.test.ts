import type { Response } from '@paxos/shared';
import { AnswerChecker } from '../../src/checkers/answer-checker';
import { violationOf } from './support/fixtures';

const answer = (from: string, slot: number, value: string | null): Response => ({
  type: 'response',
  from,
  clientId: 'client-0',
  requestId: 'r3',
  slot,
  result: { ok: true, value },
});

describe('AnswerChecker (each request id has one answer)', () => {
  it('accepts the same answer from both replicas and from retries', () => {
    const checker = new AnswerChecker();
    expect(
      violationOf(() => {
        checker.onResponse('client-0', answer('replica-0', 4, 'a'));
        checker.onResponse('client-0', answer('replica-1', 4, 'a'));
        checker.onResponse('client-0', answer('replica-0', 4, 'a'));
      }),
    ).toBeNull();
  });

  it('catches two different answers for one request id', () => {
    const checker = new AnswerChecker();
    checker.onResponse('client-0', answer('replica-0', 4, 'a'));
    expect(violationOf(() => checker.onResponse('client-0', answer('replica-1', 7, 'b')))).toBe(
      'answered-once',
    );
  });

  it('catches an answer delivered to the wrong client', () => {
    expect(
      violationOf(() => new AnswerChecker().onResponse('client-1', answer('replica-0', 1, null))),
    ).toBe('answered-once');
  });
});

import { clientDestination, opDigest, type Response } from '@paxos/shared';
import { AnswerChecker } from '../../src/checkers/answer-checker';
import { DecisionLedger } from '../../src/checkers/decision-ledger';
import { FirstOccurrences } from '../../src/checkers/first-occurrences';
import { batch, command, violationOf } from './support/fixtures';

const putA = command(7, 3, { kind: 'put', key: 'k', value: 'a' });
const putB = command(7, 3, { kind: 'put', key: 'k', value: 'b' });

const answer = (
  from: string,
  slot: number,
  value: string | null,
  fields: Partial<Response> = {},
): Response => ({
  type: 'response',
  from,
  sessionId: 7,
  requestId: 3,
  slot,
  result: { ok: true, value },
  opDigest: opDigest(putA.op),
  ...fields,
});
const to = clientDestination(7);

describe('AnswerChecker (each request number has one answer)', () => {
  it('accepts the same answer from both replicas and from retries, and 410s besides', () => {
    const checker = new AnswerChecker();
    expect(
      violationOf(() => {
        checker.onResponse(to, answer('replica-0', 4, 'a'));
        checker.onResponse(to, answer('replica-1', 4, 'a'));
        checker.onResponse(to, answer('replica-0', 4, 'a'));
        const gone = { ok: false, value: null, refused: 'request-too-old' as const };
        checker.onResponse(to, answer('replica-1', 9, null, { result: gone }));
      }),
    ).toBeNull();
  });

  // [what, second answer]
  const different: Array<[string, Response]> = [
    ['another slot and value (ran twice)', answer('replica-1', 7, 'b')],
    ['the same slot, another result', answer('replica-1', 4, 'z')],
    ['another operation digest', answer('replica-1', 4, 'a', { opDigest: opDigest(putB.op) })],
  ];
  it.each(different)('catches two different answers for one request number: %s', (_, second) => {
    const checker = new AnswerChecker();
    checker.onResponse(to, answer('replica-0', 4, 'a'));
    expect(violationOf(() => checker.onResponse(to, second))).toBe('answered-once');
  });

  it('catches an answer delivered to another client destination', () => {
    const checker = new AnswerChecker();
    expect(violationOf(() => checker.onResponse('client:8', answer('replica-0', 1, null)))).toBe(
      'answered-once',
    );
    expect(violationOf(() => checker.onResponse('replica-0', answer('replica-0', 1, null)))).toBe(
      'answered-once',
    );
  });

  it('catches an answer that carries the digest of an operation not decided first under its number', () => {
    const ledger = new DecisionLedger();
    // putA decided at slot 2, then putB (the number reused with another operation) at slot 3.
    ledger.record(1, batch('replica-0:1:0'), 'test');
    ledger.record(2, batch('replica-0:1:1', putA), 'test');
    ledger.record(3, batch('replica-1:1:0', putB), 'test');
    const checker = new AnswerChecker(new FirstOccurrences(ledger));
    expect(violationOf(() => checker.onResponse(to, answer('replica-0', 2, null)))).toBeNull();
    const passedOff = answer('replica-1', 2, null, { opDigest: opDigest(putB.op) });
    expect(
      violationOf(() => new AnswerChecker(new FirstOccurrences(ledger)).onResponse(to, passedOff)),
    ).toBe('answered-once');
  });

  it('leaves registrations alone: a duplicated one may create a second session', () => {
    const checker = new AnswerChecker();
    const registered = (sessionId: number): Response => ({
      type: 'response',
      from: 'replica-0',
      sessionId: 0,
      requestId: 99,
      slot: sessionId,
      result: { ok: true, value: null, sessionId },
      opDigest: opDigest({ kind: 'register' }),
    });
    expect(
      violationOf(() => {
        checker.onResponse('client:0', registered(16384));
        checker.onResponse('client:0', registered(32768));
      }),
    ).toBeNull();
  });
});

import {
  clientDestination,
  opDigest,
  sessionIdOf,
  type Command,
  type OpResult,
  type Request,
  type Response,
} from '@paxos/shared';
import { WELL_BEHAVED, type ClientBehaviour } from '../../src/clients/client-behaviour';
import { historyOperationOf, type ClientOperation } from '../../src/clients/client-operation';
import type { ClientStep } from '../../src/clients/client-step';
import { SimClient } from '../../src/clients/sim-client';
import { Prng } from '../../src/random/prng';

const SESSION = sessionIdOf(3, 0);

function newClient(behaviour: ClientBehaviour = WELL_BEHAVED, opsToIssue = 5): SimClient {
  return new SimClient(
    {
      id: 'client-1',
      index: 1,
      replicas: ['replica-0', 'replica-1'],
      opsToIssue,
      keyCount: 3,
      timing: { retryTimeoutMs: 100, thinkTimeMaxMs: 10 },
      behaviour,
      checksInput: true,
    },
    new Prng(7),
  );
}

/** The one request a step sent, and the one command in it. */
function sent(step: ClientStep): { request: Request; command: Command } {
  expect(step.sends).toHaveLength(1);
  const request = step.sends[0]?.message as Request;
  expect(request.type).toBe('request');
  return { request, command: request.commands[0] as Command };
}

function answer(command: Command, result: OpResult, slot = 9, ranOp = command.op): Response {
  return {
    type: 'response',
    from: 'replica-0',
    sessionId: command.sessionId,
    requestId: command.requestId,
    slot,
    result,
    opDigest: opDigest(ranOp),
  };
}

/** A client that registered as SESSION; returns it with its first command's request. */
function registered(behaviour?: ClientBehaviour): { client: SimClient; first: Command } {
  const client = newClient(behaviour);
  const { command } = sent(client.onTimer(0, { kind: 'issue' }));
  const step = client.onResponse(
    5,
    answer(command, { ok: true, value: null, sessionId: SESSION }, 3),
  );
  return { client, first: sent(step).command };
}

describe('SimClient (sessions and request numbers, as the HTTP contract has them)', () => {
  it('registers first, under session 0 from client:0 with a random number, before any command', () => {
    const client = newClient();
    const { request, command } = sent(client.onTimer(0, { kind: 'issue' }));
    expect(request.from).toBe(clientDestination(0));
    expect(command).toMatchObject({ sessionId: 0, op: { kind: 'register' } });
    expect(command.requestId).toBeGreaterThanOrEqual(1);
    expect(client.registering).toBe(true);
    expect(client.owns(0, command.requestId)).toBe(true);
  });

  it('retries a registration under a new number, and takes an answer to either', () => {
    const client = newClient();
    const first = sent(client.onTimer(0, { kind: 'issue' })).command;
    const retry = sent(client.onTimer(100, { kind: 'retry', attempt: 1 })).command;
    expect(retry.requestId).not.toBe(first.requestId);
    const step = client.onResponse(
      120,
      answer(first, { ok: true, value: null, sessionId: SESSION }),
    );
    expect(sent(step).command).toMatchObject({ sessionId: SESSION, requestId: 1 });
    expect(client.owns(SESSION, 1)).toBe(true);
  });

  it('numbers commands 1, 2, 3 and retries one under its own number', () => {
    const { client, first } = registered();
    expect(first).toMatchObject({ sessionId: SESSION, requestId: 1 });
    const retry = client.onTimer(200, { kind: 'retry', attempt: 3 });
    expect(sent(retry).command).toEqual(first);
    expect(sent(retry).request.from).toBe(clientDestination(SESSION));
    // A stale timer (an earlier attempt) does nothing.
    expect(client.onTimer(200, { kind: 'retry', attempt: 2 }).sends).toEqual([]);
    client.onResponse(210, answer(first, { ok: true, value: null }));
    expect(client.history[0]).toMatchObject({ outcome: 'ok', output: { ok: true, value: null } });
    const next = sent(client.onTimer(220, { kind: 'issue' })).command;
    expect(next).toMatchObject({ sessionId: SESSION, requestId: 2 });
  });

  // [what, the answer's result, the operation it says ran (null: the one sent), outcome]
  const outcomes: Array<[string, OpResult, boolean, ClientOperation['outcome']]> = [
    ['ran: 200', { ok: true, value: 'x' }, false, 'ok'],
    [
      "another operation ran under the number: 409, never this one's result",
      { ok: true, value: 'x' },
      true,
      'conflict',
    ],
    [
      'session unknown: 410',
      { ok: false, value: null, refused: 'session-unknown' },
      false,
      'unknown',
    ],
    ['answer gone: 410', { ok: false, value: null, refused: 'request-too-old' }, false, 'unknown'],
    ['over quota: 413', { ok: false, value: null, refused: 'kv-quota-exceeded' }, false, 'quota'],
  ];
  it.each(outcomes)('%s', (_what, result, otherOp, outcome) => {
    const { client, first } = registered();
    const ranOp = otherOp ? { kind: 'put' as const, key: 'zz', value: 'someone else' } : first.op;
    client.onResponse(50, answer(first, result, 9, ranOp));
    const op = client.history[0] as ClientOperation;
    expect(op.outcome).toBe(outcome);
    expect(op.output).toEqual(outcome === 'ok' ? result : null);
  });

  it('registers anew after a 410 session-unknown, and never resubmits the refused command', () => {
    const { client, first } = registered();
    client.onResponse(50, answer(first, { ok: false, value: null, refused: 'session-unknown' }));
    const { command } = sent(client.onTimer(60, { kind: 'issue' }));
    expect(command.sessionId).toBe(0);
    expect(client.history).toHaveLength(1);
  });

  it('ignores a duplicated registration answer once the session is in use', () => {
    const client = newClient({ ...WELL_BEHAVED, hopsSessions: true }, 10);
    const registration = sent(client.onTimer(0, { kind: 'issue' })).command;
    const welcome = answer(registration, { ok: true, value: null, sessionId: SESSION }, 3);
    let step = client.onResponse(5, welcome);
    // Hop until the client registers again, then deliver the old welcome a second time.
    while (!client.registering) {
      const { command } = sent(step);
      step = client.onResponse(10, answer(command, { ok: true, value: null }));
      if (!client.registering) step = client.onTimer(20, { kind: 'issue' });
    }
    expect(client.onResponse(30, welcome).sends).toEqual([]);
    expect(client.registering).toBe(true);
  });

  it('refuses hostile operations at the boundary: never sent, 400 or 413', () => {
    const client = newClient({ ...WELL_BEHAVED, hostileInput: true }, 60);
    let step = sent(client.onTimer(0, { kind: 'issue' }));
    let now = 10;
    let next = client.onResponse(
      now,
      answer(step.command, { ok: true, value: null, sessionId: SESSION }),
    );
    while (!client.finished) {
      now += 10;
      if (next.sends.length > 0) {
        step = sent(next);
        next = client.onResponse(now, answer(step.command, { ok: true, value: null }));
      } else {
        next = client.onTimer(now, { kind: 'issue' });
      }
    }
    const refused = client.history.filter(
      (op) => op.outcome === 'invalid' || op.outcome === 'too-large',
    );
    expect(refused.length).toBeGreaterThan(5);
    for (const op of refused) {
      expect(op).toMatchObject({ sessionId: 0, requestId: 0, attempts: 0 });
      expect(historyOperationOf(op)).toBeNull();
    }
    // Request numbers stay dense: a refused command used none.
    const numbers = client.history.filter((op) => op.outcome === 'ok').map((op) => op.requestId);
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));
  });

  it('maps outcomes to the linearizability history: run, pending, or left out', () => {
    const base: ClientOperation = {
      clientId: 'client-1',
      sessionId: SESSION,
      requestId: 1,
      input: { kind: 'get', key: 'k' },
      call: 1,
      outcome: null,
      output: null,
      return: null,
      attempts: 1,
      refusal: null,
    };
    const ok = { ...base, outcome: 'ok' as const, output: { ok: true, value: null }, return: 4 };
    expect(historyOperationOf(ok)).toMatchObject({ output: ok.output, return: 4 });
    expect(historyOperationOf(base)).toMatchObject({ output: null, return: null });
    expect(historyOperationOf({ ...base, outcome: 'unknown', return: 4 })).toMatchObject({
      output: null,
      return: null,
    });
    for (const outcome of ['invalid', 'too-large', 'conflict', 'quota'] as const) {
      expect(historyOperationOf({ ...base, outcome, return: 4 })).toBeNull();
    }
  });
});

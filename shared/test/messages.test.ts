import { applyOp, parseMessage, type KvStore } from '@paxos/shared';

describe('message contracts', () => {
  it('accepts a well-formed p2a', () => {
    const r = parseMessage({
      type: 'p2a',
      from: 'leader-0',
      pvalue: {
        ballot: { round: 0, leaderId: 'leader-0' },
        slot: 1,
        value: { batchId: 'replica-0:1', commands: [] },
      },
    });
    expect(r.ok).toBe(true);
  });
  it('accepts a registration and a client command in one request', () => {
    const r = parseMessage({
      type: 'request',
      from: 'client:0',
      commands: [
        { sessionId: 0, requestId: 77, op: { kind: 'register' } },
        { sessionId: 16_385, requestId: 1, op: { kind: 'put', key: 'k', value: 'v' } },
      ],
    });
    expect(r.ok).toBe(true);
  });
  it.each([
    [
      'slot 0',
      { type: 'p2b', from: 'acceptor-0', ballot: { round: 0, leaderId: 'leader-0' }, slot: 0 },
      'slot',
    ],
    ['unknown type', { type: 'p3a', from: 'leader-0' }, 'type'],
    [
      'bad op',
      {
        type: 'request',
        from: 'client:1',
        commands: [{ sessionId: 1, requestId: 1, op: { kind: 'incr', key: 'k' } }],
      },
      'commands.0.op',
    ],
    [
      'a NUL in a value',
      {
        type: 'request',
        from: 'client:1',
        commands: [
          { sessionId: 1, requestId: 1, op: { kind: 'put', key: 'k', value: 'a\u0000b' } },
        ],
      },
      'commands.0.op.value',
    ],
    [
      'a request number that is not a positive integer',
      {
        type: 'request',
        from: 'client:1',
        commands: [{ sessionId: 1, requestId: '1', op: { kind: 'get', key: 'k' } }],
      },
      'commands.0.requestId',
    ],
    ['empty request', { type: 'request', from: 'client:1', commands: [] }, 'commands'],
  ])('rejects %s with a reason naming the field', (_n, payload, field) => {
    const r = parseMessage(payload);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain(field);
  });
});

describe('key-value model', () => {
  it('applies get, put, delete and cas', () => {
    const kv: KvStore = new Map();
    expect(applyOp(kv, { kind: 'get', key: 'a' })).toEqual({ ok: true, value: null });
    expect(applyOp(kv, { kind: 'put', key: 'a', value: '1' })).toEqual({ ok: true, value: null });
    expect(applyOp(kv, { kind: 'cas', key: 'a', expected: '2', value: '3' })).toEqual({
      ok: false,
      value: '1',
    });
    expect(applyOp(kv, { kind: 'cas', key: 'a', expected: '1', value: '3' })).toEqual({
      ok: true,
      value: '3',
    });
    expect(applyOp(kv, { kind: 'delete', key: 'a' })).toEqual({ ok: true, value: '3' });
    expect(kv.size).toBe(0);
  });
});

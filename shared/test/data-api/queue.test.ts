import {
  DataApiClient,
  DataApiResponseError,
  type PersistOp,
  QueueApi,
  leaseOwnerOf,
  stepWritesOf,
} from '@paxos/shared';
import {
  type ScriptedReply,
  type ScriptedServer,
  failure,
  ok,
  startScriptedServer,
} from './support/scripted-server';

const open: Array<{ server: ScriptedServer; client: DataApiClient }> = [];

async function queueFor(
  script: ScriptedReply[],
): Promise<{ queue: QueueApi; server: ScriptedServer }> {
  const server = await startScriptedServer(script);
  const client = new DataApiClient({
    baseUrl: server.baseUrl,
    apiKey: 'neurelo_test',
    retries: 3,
    sleep: async () => {},
  });
  open.push({ server, client });
  let counter = 0;
  return { queue: new QueueApi(client, { newId: () => `id-${++counter}` }), server };
}

afterEach(async () => {
  for (const { server, client } of open.splice(0)) {
    client.close();
    await server.close();
  }
});

function bodyOf(server: ScriptedServer, index: number): Record<string, unknown> {
  return JSON.parse(server.requests[index]?.body ?? 'null') as Record<string, unknown>;
}

describe('QueueApi.push', () => {
  it('makes ids once, so a retried push carries the same ids', async () => {
    const { queue, server } = await queueFor([
      failure(503),
      { kind: 'destroy' },
      ok([{ inserted: '2' }]),
    ]);
    const result = await queue.push([
      { dst: 'acceptor-0', payload: '{"type":"p1a"}' },
      { dst: 'acceptor-1', payload: '{"type":"p1a"}', id: 'chosen-by-caller' },
    ]);
    expect(result).toEqual({ ids: ['id-1', 'chosen-by-caller'], inserted: 2 });
    expect(server.requests).toHaveLength(3);
    const bodies = server.requests.map((r) => r.body);
    expect(new Set(bodies).size).toBe(1);
    expect(JSON.parse(bodyOf(server, 0).messages as string)).toEqual([
      { id: 'id-1', dst: 'acceptor-0', payload: '{"type":"p1a"}' },
      { id: 'chosen-by-caller', dst: 'acceptor-1', payload: '{"type":"p1a"}' },
    ]);
  });

  it('sends nothing for an empty push', async () => {
    const { queue, server } = await queueFor([]);
    await expect(queue.push([])).resolves.toEqual({ ids: [], inserted: 0 });
    expect(server.requests).toHaveLength(0);
  });
});

describe('QueueApi.stepCommit', () => {
  const commitRow = { fenced: true, acked: '1', put: 2, truncated: '0', sent: 1 };

  it('makes send ids once, so a retried commit is the same statement', async () => {
    const { queue, server } = await queueFor([{ kind: 'destroy' }, failure(502), ok([commitRow])]);
    const result = await queue.stepCommit({
      processId: 'acceptor-0',
      epoch: 3,
      writeSeq: 12,
      acks: ['m-1'],
      puts: [{ key: 'ballot', slot: null, value: { round: 1, leaderId: 'leader-0' } }],
      truncateBelow: 0,
      sends: [{ dst: 'leader-0', payload: '{"type":"p1b"}' }],
    });
    expect(result).toEqual({ fenced: true, acked: 1, put: 2, truncated: 0, sent: 1 });
    expect(new Set(server.requests.map((r) => r.body)).size).toBe(1);
    const body = bodyOf(server, 0);
    expect(body).toMatchObject({
      processId: 'acceptor-0',
      epoch: 3,
      truncateBelow: 0,
      writeSeq: 12,
    });
    expect(JSON.parse(body.acks as string)).toEqual(['m-1']);
    expect(JSON.parse(body.sends as string)).toEqual([
      { id: 'id-1', dst: 'leader-0', payload: '{"type":"p1b"}' },
    ]);
  });

  const putCases: Array<
    [string, Array<{ key: string; slot: number | null; value: unknown }>, number, unknown[]]
  > = [
    [
      'the last put of a key wins',
      [
        { key: 'a', slot: 5, value: 1 },
        { key: 'b', slot: null, value: 2 },
        { key: 'a', slot: 5, value: 3 },
      ],
      0,
      [
        { key: 'b', slot: null, value: 2 },
        { key: 'a', slot: 5, value: 3 },
      ],
    ],
    [
      'puts below the horizon still go to the server, which applies put-then-truncate',
      [
        { key: 'accepted:3', slot: 3, value: 'x' },
        { key: 'k', slot: 9, value: 'new' },
        { key: 'k', slot: 2, value: 'old' },
      ],
      5,
      [
        { key: 'accepted:3', slot: 3, value: 'x' },
        { key: 'k', slot: 2, value: 'old' },
      ],
    ],
  ];
  it.each(putCases)('%s', async (_name, puts, truncateBelow, expected) => {
    const { queue, server } = await queueFor([ok([commitRow])]);
    await queue.stepCommit({
      processId: 'p',
      epoch: 1,
      writeSeq: 1,
      acks: [],
      puts,
      truncateBelow,
      sends: [],
    });
    expect(JSON.parse(bodyOf(server, 0).puts as string)).toEqual(expected);
  });

  it('refuses a put without a value (it would not survive JSON)', async () => {
    const { queue, server } = await queueFor([]);
    await expect(
      queue.stepCommit({
        processId: 'p',
        epoch: 1,
        writeSeq: 1,
        acks: [],
        puts: [{ key: 'k', slot: null, value: undefined }],
        truncateBelow: 0,
        sends: [],
      }),
    ).rejects.toThrow(RangeError);
    expect(server.requests).toHaveLength(0);
  });
});

describe('QueueApi epoch lease and retention', () => {
  it('claims an epoch with its holder and lease; a refusal says when the lease ends (rounded up)', async () => {
    const { queue, server } = await queueFor([
      ok([{ granted: true, epoch: 4, retryInMs: 0 }]),
      ok([{ granted: false, epoch: '4', retryInMs: '1234.2' }]),
    ]);
    const request = { processId: 'leader-0', holder: 'nonce-1', leaseMs: 4_000 };
    await expect(queue.claimEpoch(request)).resolves.toEqual({
      granted: true,
      epoch: 4,
      retryInMs: 0,
    });
    await expect(queue.claimEpoch(request)).resolves.toEqual({
      granted: false,
      epoch: 4,
      retryInMs: 1_235,
    });
    expect(bodyOf(server, 0)).toEqual(request);
  });

  it('renews with one attempt only: a failure is reported at once, not retried', async () => {
    const { queue, server } = await queueFor([failure(503), ok([{ renewed: true }])]);
    const request = { processId: 'acceptor-0', epoch: 2, leaseMs: 4_000, timeoutMs: 500 };
    await expect(queue.renewEpoch(request)).rejects.toThrow(/failed after 1 attempt/);
    expect(server.requests).toHaveLength(1);
    await expect(queue.renewEpoch(request)).resolves.toBe(true);
    expect(bodyOf(server, 1)).toEqual({ processId: 'acceptor-0', epoch: 2, leaseMs: 4_000 });
  });

  it('gives a renewal only its own short timeout', async () => {
    const { queue } = await queueFor([{ kind: 'hang' }]);
    const started = Date.now();
    await expect(
      queue.renewEpoch({ processId: 'acceptor-0', epoch: 2, leaseMs: 4_000, timeoutMs: 200 }),
    ).rejects.toThrow(/TIMEOUT after 200 ms/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('releases an epoch and runs retention', async () => {
    const { queue, server } = await queueFor([
      ok([{ released: true }]),
      ok([{ removedUnknown: '2', removedDeadLetters: 0, unknownRows: 5, deadLetterRows: '1' }]),
    ]);
    await expect(queue.releaseEpoch({ processId: 'replica-0', epoch: 9 })).resolves.toBe(true);
    await expect(
      queue.retention({ unknownAfterMs: 1_000, deadLetterAfterMs: 2_000, batchLimit: 10 }),
    ).resolves.toEqual({
      removedUnknown: 2,
      removedDeadLetters: 0,
      unknownRows: 5,
      deadLetterRows: 1,
    });
    expect(server.requests.map((r) => r.url)).toEqual([
      '/custom/epoch_release',
      '/custom/queue_retention',
    ]);
    expect(bodyOf(server, 1)).toEqual({
      unknownAfterMs: 1_000,
      deadLetterAfterMs: 2_000,
      batchLimit: 10,
    });
  });
});

describe('QueueApi reads', () => {
  it('claims with a long poll and coerces numeric strings', async () => {
    const { queue, server } = await queueFor([
      ok([{ element_identifier: 'm-1', payload: '{}', attempts: '2', seq: '9007199254740991' }], {
        'Preference-Applied': 'wait=3',
      }),
    ]);
    const result = await queue.claim({
      dst: 'replica-0',
      owner: 'replica-0#4',
      limit: 16,
      leaseMs: 5_000,
      waitSeconds: 3,
    });
    expect(result).toEqual({
      messages: [{ id: 'm-1', payload: '{}', attempts: 2, seq: 9007199254740991 }],
      longPolled: true,
    });
    expect(bodyOf(server, 0)).toEqual({
      dst: 'replica-0',
      owner: 'replica-0#4',
      limit: 16,
      leaseMs: 5_000,
    });
    expect(server.requests[0]?.headers.prefer).toBe('wait=3');
  });

  const badRows: Array<[string, unknown]> = [
    ['an empty string', ''],
    ['a fraction', '1.5'],
    ['null', null],
    ['an unsafe integer', '9007199254740993'],
  ];
  it.each(badRows)('refuses %s as an integer field', async (_name, seq) => {
    const { queue } = await queueFor([
      ok([{ element_identifier: 'm', payload: '{}', attempts: 1, seq }]),
    ]);
    await expect(queue.claim({ dst: 'd', owner: 'o', limit: 1, leaseMs: 1 })).rejects.toThrow(
      DataApiResponseError,
    );
  });

  it('expects exactly one row from single-row queries', async () => {
    const { queue } = await queueFor([ok([])]);
    await expect(
      queue.claimEpoch({ processId: 'leader-0', holder: 'h', leaseMs: 4_000 }),
    ).rejects.toThrow(/expected one row, got 0/);
  });

  it('loads durable state as a map', async () => {
    const { queue } = await queueFor([
      ok([
        { key: 'ballot', slot: null, value: { round: 2, leaderId: 'leader-1' } },
        { key: 'accepted:4', slot: '4', value: [1, 2] },
      ]),
    ]);
    const durable = await queue.loadDurable('acceptor-2');
    expect([...durable]).toEqual([
      ['ballot', { slot: null, value: { round: 2, leaderId: 'leader-1' } }],
      ['accepted:4', { slot: 4, value: [1, 2] }],
    ]);
  });

  it('pops the original way: DELETE with dst in the query string', async () => {
    const row = {
      element_identifier: 'e',
      time_inserted: '2024-01-01T00:00:00Z',
      dst: 'acceptor-0',
      payload: '"x"',
    };
    const { queue, server } = await queueFor([ok([row]), ok([]), ok([{ deleted: '4' }])]);
    await expect(queue.popOriginal('acceptor-0')).resolves.toEqual({
      id: 'e',
      timeInserted: '2024-01-01T00:00:00Z',
      dst: 'acceptor-0',
      payload: '"x"',
    });
    await expect(queue.popOriginal('acceptor-0')).resolves.toBeNull();
    await expect(queue.popAllOriginal()).resolves.toBe(4);
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'DELETE /custom/queue_pop?dst=acceptor-0',
      'DELETE /custom/queue_pop?dst=acceptor-0',
      'DELETE /custom/queue_pop_all',
    ]);
  });

  it('skips the request for empty acks and releases', async () => {
    const { queue, server } = await queueFor([]);
    await expect(queue.ack('o', [])).resolves.toBe(0);
    await expect(queue.release('o', [])).resolves.toBe(0);
    expect(server.requests).toHaveLength(0);
  });
});

describe('helpers', () => {
  it('names the lease owner of an incarnation', () => {
    expect(leaseOwnerOf('acceptor-1', 7)).toBe('acceptor-1#7');
  });

  const persistCases: Array<[string, PersistOp[], ReturnType<typeof stepWritesOf>]> = [
    ['nothing', [], { puts: [], truncateBelow: 0 }],
    [
      'puts in order and the highest truncation',
      [
        { op: 'put', key: 'a', slot: 1, value: 1 },
        { op: 'truncate', belowSlot: 4 },
        { op: 'put', key: 'b', slot: null, value: 2 },
        { op: 'truncate', belowSlot: 2 },
      ],
      {
        puts: [
          { key: 'a', slot: 1, value: 1 },
          { key: 'b', slot: null, value: 2 },
        ],
        truncateBelow: 4,
      },
    ],
  ];
  it.each(persistCases)('turns persist ops into step writes: %s', (_name, ops, expected) => {
    expect(stepWritesOf(ops)).toEqual(expected);
  });
});

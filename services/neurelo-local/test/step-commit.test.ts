import request from 'supertest';
import { messages, openTestApp, READ_WRITE_KEY, type TestApp } from './support/app-harness';

interface Commit {
  processId: string;
  epoch: number;
  acks: string;
  puts: string;
  truncateBelow: number;
  sends: string;
}

/** epoch_claim, durable_load and step_commit: a process's durable, fenced steps. */
describe('process queries', () => {
  let h: TestApp;
  beforeAll(async () => {
    h = await openTestApp('step_commit');
  });
  afterAll(() => h.close());

  const post = (name: string, variables: object) =>
    request(h.app).post(`/custom/${name}`).set('X-API-KEY', READ_WRITE_KEY).send(variables);
  const call = async (name: string, variables: object): Promise<unknown[]> => {
    const res = await post(name, variables);
    if (res.status !== 200) throw new Error(`${name}: ${res.status} ${JSON.stringify(res.body)}`);
    return (res.body as { data: unknown[] }).data;
  };
  const commit = (c: Partial<Commit> & Pick<Commit, 'processId' | 'epoch'>) =>
    call('step_commit', { acks: '[]', puts: '[]', truncateBelow: 0, sends: '[]', ...c });
  const load = (owner: string) => call('durable_load', { owner });
  const queued = async () =>
    (
      await h.t.db.query<{ element_identifier: string; dst: string }>(
        'SELECT element_identifier, dst FROM queue_item ORDER BY seq',
      )
    ).rows;

  it('epoch_claim gives each start of a process the next epoch', async () => {
    expect(await call('epoch_claim', { processId: 'acceptor-9' })).toEqual([{ epoch: 1 }]);
    expect(await call('epoch_claim', { processId: 'acceptor-9' })).toEqual([{ epoch: 2 }]);
    expect(await call('epoch_claim', { processId: 'leader-9' })).toEqual([{ epoch: 1 }]);
  });

  it('step_commit acks, persists and sends in one go; a retry changes nothing more', async () => {
    const [{ epoch }] = (await call('epoch_claim', { processId: 'acceptor-0' })) as [
      { epoch: number },
    ];
    await call('queue_push', { messages: messages('acceptor-0', ['p1a-1', 'p1a-2']) });
    await call('queue_claim', {
      dst: 'acceptor-0',
      owner: `acceptor-0#${epoch}`,
      limit: 1,
      leaseMs: 60_000,
    });
    const step: Commit = {
      processId: 'acceptor-0',
      epoch,
      acks: '["p1a-1"]',
      puts: JSON.stringify([
        { key: 'ballot', slot: null, value: { round: 1, leader: 'leader-0' } },
        { key: 'accepted:1', slot: 1, value: { command: 'x' } },
      ]),
      truncateBelow: 0,
      sends: messages('leader-0', ['p1b-1', 'p1b-2']),
    };
    expect(await commit(step)).toEqual([{ fenced: true, acked: 1, put: 2, truncated: 0, sent: 2 }]);
    expect(await commit(step)).toEqual([{ fenced: true, acked: 0, put: 2, truncated: 0, sent: 0 }]);
    expect(await queued()).toEqual([
      { element_identifier: 'p1a-2', dst: 'acceptor-0' },
      { element_identifier: 'p1b-1', dst: 'leader-0' },
      { element_identifier: 'p1b-2', dst: 'leader-0' },
    ]);
    expect(await load('acceptor-0')).toEqual([
      { key: 'ballot', slot: null, value: { round: 1, leader: 'leader-0' } },
      { key: 'accepted:1', slot: 1, value: { command: 'x' } },
    ]);
    expect(await load('someone-else')).toEqual([]);
  });

  it('a zombie of an older epoch changes nothing (fenced = false)', async () => {
    const claimEpoch = async () =>
      ((await call('epoch_claim', { processId: 'replica-0' })) as [{ epoch: number }])[0].epoch;
    const old = await claimEpoch();
    await call('queue_push', { messages: messages('replica-0', ['req-1']) });
    await call('queue_claim', {
      dst: 'replica-0',
      owner: `replica-0#${old}`,
      limit: 1,
      leaseMs: 60_000,
    });
    await commit({ processId: 'replica-0', epoch: old, puts: '[{"key":"k","slot":1,"value":1}]' });
    const current = await claimEpoch();
    const before = await queued();

    const zombie = await commit({
      processId: 'replica-0',
      epoch: old,
      acks: '["req-1"]',
      puts: '[{"key":"k","slot":1,"value":"zombie"},{"key":"z","slot":1,"value":2}]',
      truncateBelow: 5,
      sends: messages('leader-0', ['zombie-out']),
    });
    expect(zombie).toEqual([{ fenced: false, acked: 0, put: 0, truncated: 0, sent: 0 }]);
    expect(await queued()).toEqual(before);
    expect(await load('replica-0')).toEqual([{ key: 'k', slot: 1, value: 1 }]);
    // An epoch never claimed is fenced too, and the current one passes.
    expect(await commit({ processId: 'replica-0', epoch: current + 1 })).toEqual([
      expect.objectContaining({ fenced: false }),
    ]);
    expect(await commit({ processId: 'replica-0', epoch: current })).toEqual([
      expect.objectContaining({ fenced: true }),
    ]);
  });

  it('truncation keeps the effect of "put, then drop every slot below"', async () => {
    const [{ epoch }] = (await call('epoch_claim', { processId: 'leader-1' })) as [
      { epoch: number },
    ];
    const entries = [1, 2, 3, 4].map((slot) => ({ key: `decision:${slot}`, slot, value: slot }));
    await commit({
      processId: 'leader-1',
      epoch,
      puts: JSON.stringify([...entries, { key: 'ballot', slot: null, value: 7 }]),
    });
    const result = await commit({
      processId: 'leader-1',
      epoch,
      // decision:2 moves to slot 5 (kept), decision:1 is rewritten below the cut (dropped),
      // decision:6 is new and above it.
      puts: JSON.stringify([
        { key: 'decision:2', slot: 5, value: 'moved' },
        { key: 'decision:1', slot: 1, value: 'rewritten' },
        { key: 'decision:6', slot: 6, value: 6 },
      ]),
      truncateBelow: 4,
    });
    expect(result).toEqual([{ fenced: true, acked: 0, put: 2, truncated: 2, sent: 0 }]);
    expect(await load('leader-1')).toEqual([
      { key: 'ballot', slot: null, value: 7 },
      { key: 'decision:4', slot: 4, value: 4 },
      { key: 'decision:2', slot: 5, value: 'moved' },
      { key: 'decision:6', slot: 6, value: 6 },
    ]);
  });

  it('a malformed step is a 400 and changes nothing', async () => {
    const [{ epoch }] = (await call('epoch_claim', { processId: 'leader-2' })) as [
      { epoch: number },
    ];
    const base = { processId: 'leader-2', epoch, acks: '[]', puts: '[]', truncateBelow: 0 };
    // The second send lacks its destination: the first one must not be queued either.
    const res = await post('step_commit', {
      ...base,
      sends: JSON.stringify([
        { id: 'ok-1', dst: 'd', payload: '{}' },
        { id: 'bad-1', payload: '{}' },
      ]),
    });
    expect(res.status).toBe(400);
    const twice = await post('step_commit', {
      ...base,
      puts: '[{"key":"k","slot":1,"value":1},{"key":"k","slot":1,"value":2}]',
      sends: '[]',
    });
    expect(twice.status).toBe(400);
    expect((await queued()).map((m) => m.element_identifier)).not.toContain('ok-1');
    expect(await load('leader-2')).toEqual([]);
    expect((await post('step_commit', { ...base, sends: '[]', epoch: 1.5 })).status).toBe(400);
  });
});

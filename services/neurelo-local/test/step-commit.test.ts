import request from 'supertest';
import { messages, openTestApp, READ_WRITE_KEY, type TestApp } from './support/app-harness';

interface Commit {
  processId: string;
  epoch: number;
  writeSeq: number;
  acks: string;
  puts: string;
  truncateBelow: number;
  sends: string;
}

/** epoch_claim, durable_load and step_commit: a process's durable, fenced, ordered steps. */
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
    call('step_commit', {
      writeSeq: 1,
      acks: '[]',
      puts: '[]',
      truncateBelow: 0,
      sends: '[]',
      ...c,
    });
  /** A new epoch of `processId`, taken over from whoever held it (a start after a crash). */
  const claimEpoch = async (processId: string): Promise<number> => {
    await h.t.db.query('UPDATE process_epoch SET lease_until = NULL WHERE process_id = $1', [
      processId,
    ]);
    const [row] = (await call('epoch_claim', { processId, holder: 'test', leaseMs: 60_000 })) as [
      { epoch: number },
    ];
    return row.epoch;
  };
  const load = (owner: string) => call('durable_load', { owner });
  const queued = async () =>
    (
      await h.t.db.query<{ element_identifier: string; dst: string }>(
        'SELECT element_identifier, dst FROM queue_item ORDER BY seq',
      )
    ).rows;

  it('epoch_claim gives each start of a process the next epoch', async () => {
    expect(await claimEpoch('acceptor-9')).toBe(1);
    expect(await claimEpoch('acceptor-9')).toBe(2);
    expect(await claimEpoch('leader-9')).toBe(1);
  });

  it('step_commit acks, persists and sends in one go; a retry changes nothing more', async () => {
    const epoch = await claimEpoch('acceptor-0');
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
      writeSeq: 1,
      acks: '["p1a-1"]',
      puts: JSON.stringify([
        { key: 'ballot', slot: null, value: { round: 1, leader: 'leader-0' } },
        { key: 'accepted:1', slot: 1, value: { command: 'x' } },
      ]),
      truncateBelow: 0,
      sends: messages('leader-0', ['p1b-1', 'p1b-2']),
    };
    expect(await commit(step)).toEqual([{ fenced: true, acked: 1, put: 2, truncated: 0, sent: 2 }]);
    // The retry finds its rows already written by this very commit (same epoch and writeSeq).
    expect(await commit(step)).toEqual([{ fenced: true, acked: 0, put: 0, truncated: 0, sent: 0 }]);
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
    const old = await claimEpoch('replica-0');
    await call('queue_push', { messages: messages('replica-0', ['req-1']) });
    await call('queue_claim', {
      dst: 'replica-0',
      owner: `replica-0#${old}`,
      limit: 1,
      leaseMs: 60_000,
    });
    await commit({ processId: 'replica-0', epoch: old, puts: '[{"key":"k","slot":1,"value":1}]' });
    const current = await claimEpoch('replica-0');
    const before = await queued();

    const zombie = await commit({
      processId: 'replica-0',
      epoch: old,
      writeSeq: 2,
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
    const epoch = await claimEpoch('leader-1');
    const entries = [1, 2, 3, 4].map((slot) => ({ key: `decision:${slot}`, slot, value: slot }));
    await commit({
      processId: 'leader-1',
      epoch,
      puts: JSON.stringify([...entries, { key: 'ballot', slot: null, value: 7 }]),
    });
    const result = await commit({
      processId: 'leader-1',
      epoch,
      writeSeq: 2,
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

  it('a replayed older commit changes nothing: newer rows stay, its truncation spares them', async () => {
    const earlier = await claimEpoch('acceptor-5');
    await commit({
      processId: 'acceptor-5',
      epoch: earlier,
      writeSeq: 40,
      puts: '[{"key":"accepted:2","slot":2,"value":"from the previous epoch"}]',
    });
    const epoch = await claimEpoch('acceptor-5');
    // Commit 1's first attempt stalls; the process retries it, moves on and commits 2...
    const first: Commit = {
      processId: 'acceptor-5',
      epoch,
      writeSeq: 1,
      acks: '[]',
      puts: JSON.stringify([
        { key: 'ballot', slot: null, value: { round: 1 } },
        { key: 'accepted:5', slot: 5, value: 'first' },
      ]),
      truncateBelow: 7,
      sends: '[]',
    };
    expect(await commit({ ...first, truncateBelow: 0 })).toEqual([
      expect.objectContaining({ fenced: true, put: 2 }),
    ]);
    expect(
      await commit({
        processId: 'acceptor-5',
        epoch,
        writeSeq: 2,
        puts: JSON.stringify([
          { key: 'ballot', slot: null, value: { round: 2 } },
          { key: 'accepted:5', slot: 5, value: 'second' },
          { key: 'accepted:6', slot: 6, value: 'second' },
        ]),
      }),
    ).toEqual([expect.objectContaining({ fenced: true, put: 3 })]);
    expect(await load('acceptor-5')).toContainEqual(
      expect.objectContaining({ key: 'accepted:2', slot: 2 }),
    );

    // ...then the stalled attempt of commit 1 lands. Its truncation below slot 7 would have
    // deleted every accepted:* row; it deletes only the one an older commit wrote.
    expect(await commit(first)).toEqual([
      { fenced: true, acked: 0, put: 0, truncated: 1, sent: 0 },
    ]);
    expect(await load('acceptor-5')).toEqual([
      { key: 'ballot', slot: null, value: { round: 2 } },
      { key: 'accepted:5', slot: 5, value: 'second' },
      { key: 'accepted:6', slot: 6, value: 'second' },
    ]);
    const stamps = await h.t.db.query<{ key: string; write_epoch: string; write_seq: string }>(
      "SELECT key, write_epoch::text, write_seq::text FROM durable_state WHERE owner = 'acceptor-5' ORDER BY key",
    );
    expect(stamps.rows).toEqual(
      ['accepted:5', 'accepted:6', 'ballot'].map((key) => ({
        key,
        write_epoch: String(epoch),
        write_seq: '2',
      })),
    );
  });

  it('a new epoch outranks every commit of the previous one, whatever their numbers', async () => {
    const old = await claimEpoch('leader-5');
    const put = (value: string) => JSON.stringify([{ key: 'ballot', slot: null, value }]);
    await commit({ processId: 'leader-5', epoch: old, writeSeq: 900, puts: put('old') });
    const current = await claimEpoch('leader-5');
    expect(
      await commit({ processId: 'leader-5', epoch: current, writeSeq: 1, puts: put('new') }),
    ).toEqual([expect.objectContaining({ fenced: true, put: 1 })]);
    expect(await load('leader-5')).toEqual([{ key: 'ballot', slot: null, value: 'new' }]);
  });

  it('a malformed step is a 400 and changes nothing', async () => {
    const epoch = await claimEpoch('leader-2');
    const base = {
      processId: 'leader-2',
      epoch,
      writeSeq: 1,
      acks: '[]',
      puts: '[]',
      truncateBelow: 0,
    };
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

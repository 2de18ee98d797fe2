import request from 'supertest';
import type express from 'express';
import { openTestDatabase, type TestDatabase } from '../support/test-database';
import { query, restApp } from './support/rest-app';

/**
 * Contract of the REST endpoints on the storage the environment picks (PostgreSQL when
 * DATABASE_URL is set, else PGlite): statuses, envelopes and row shapes.
 */

let t: TestDatabase;
let app: express.Express;

beforeAll(async () => {
  t = await openTestDatabase('rest_endpoints');
  app = restApp(t.db);
});
afterAll(() => t.drop());

const PUSH_ID = '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';
// Byte for byte what the original Python project sends (requests' json= uses ", " and ": ").
const ORIGINAL_PUSH_BODY =
  `{"element_identifier": "${PUSH_ID}", "time_inserted": "2024-05-01T12:34:56.789012Z", ` +
  `"dst": "acceptor-0", "payload": "{\\"type\\": \\"p1a\\", \\"ballot\\": [1, \\"leader-0\\"]}"}`;

describe('the original project push', () => {
  it('POST /rest/queue_item/__one answers 201 with the created row', async () => {
    const res = await request(app)
      .post('/rest/queue_item/__one')
      .set('Content-Type', 'application/json')
      .send(ORIGINAL_PUSH_BODY);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      data: {
        element_identifier: PUSH_ID,
        time_inserted: '2024-05-01T12:34:56.789Z',
        dst: 'acceptor-0',
        payload: '{"type": "p1a", "ballot": [1, "leader-0"]}',
        seq: expect.any(Number),
        lease_owner: null,
        lease_until: null,
        attempts: 0,
      },
    });
  });

  it('stores the timestamp to the microsecond', async () => {
    const r = await t.db.query<{ same: boolean }>(
      "SELECT time_inserted = '2024-05-01T12:34:56.789012Z'::timestamptz AS same FROM queue_item WHERE element_identifier = $1",
      [PUSH_ID],
    );
    expect(r.rows).toEqual([{ same: true }]);
  });

  it('GET /rest/queue_item/{id} finds it', async () => {
    const res = await request(app).get(`/rest/queue_item/${PUSH_ID}`);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ element_identifier: PUSH_ID, dst: 'acceptor-0' });
  });

  it('DELETE /rest/queue_item/{id} answers the deleted row, then 404', async () => {
    const gone = await request(app).delete(`/rest/queue_item/${PUSH_ID}`);
    expect(gone.status).toBe(200);
    expect(gone.body.data.element_identifier).toBe(PUSH_ID);
    const again = await request(app).delete(`/rest/queue_item/${PUSH_ID}`);
    expect(again.status).toBe(404);
    expect(again.body).toEqual({
      errors: [{ error: `no queue_item has element_identifier "${PUSH_ID}"` }],
    });
  });
});

describe('queue_item: create many, find many, update, delete', () => {
  const ids = ['m1', 'm2', 'm3', 'm4', 'm5'];

  beforeAll(async () => {
    await t.db.query('DELETE FROM queue_item');
  });

  it('POST /rest/queue_item creates a batch in one statement and counts it', async () => {
    const res = await request(app)
      .post('/rest/queue_item')
      .send([
        { element_identifier: 'm1', dst: 'acceptor-0', payload: '{"n":1}' },
        { element_identifier: 'm2', dst: 'acceptor-1', payload: '{"n":2}', attempts: 2 },
        {
          element_identifier: 'm3',
          dst: 'acceptor-0',
          payload: '50% off_sale',
          lease_owner: 'leader-0#1',
        },
        {
          element_identifier: 'm4',
          dst: 'acceptor-0',
          payload: '{"n":4}',
          time_inserted: '2020-01-01T00:00:00Z',
        },
        { element_identifier: 'm5', dst: 'replica-0', payload: '{"n":5}' },
      ]);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ data: { count: 5 } });
  });

  it('GET /rest/queue_item answers every row, in identifier order when unordered', async () => {
    const res = await request(app).get('/rest/queue_item');
    expect(res.status).toBe(200);
    expect(res.body.data.map((r: { element_identifier: string }) => r.element_identifier)).toEqual(
      ids,
    );
    // Insertion order follows the array, and BIGINT comes back as a JSON number.
    const seqs = res.body.data.map((r: { seq: number }) => r.seq);
    expect(seqs.every((s: unknown) => typeof s === 'number')).toBe(true);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
  });

  type Row = Record<string, unknown>;
  const findCases: Array<[string, Record<string, unknown>, (rows: Row[]) => void]> = [
    [
      'equality filter',
      { filter: { dst: 'acceptor-0' } },
      (rows) => expect(rows.map((r) => r.element_identifier)).toEqual(['m1', 'm3', 'm4']),
    ],
    [
      'order_by desc with select, skip and take',
      {
        filter: { dst: 'acceptor-0' },
        order_by: [{ seq: 'desc' }],
        select: { element_identifier: true, seq: true },
        skip: 1,
        take: 1,
      },
      (rows) => {
        expect(rows).toHaveLength(1);
        expect(Object.keys(rows[0]!)).toEqual(['element_identifier', 'seq']);
        expect(rows[0]!.element_identifier).toBe('m3');
      },
    ],
    [
      'order_by as a single object',
      { order_by: { attempts: 'desc' }, take: 1 },
      (rows) => expect(rows[0]!.element_identifier).toBe('m2'),
    ],
    [
      '$scalars',
      { select: { $scalars: true }, take: 1 },
      (rows) => expect(Object.keys(rows[0]!)).toHaveLength(8),
    ],
    [
      'in',
      { filter: { element_identifier: { in: ['m2', 'm5', 'nope'] } } },
      (rows) => expect(rows.map((r) => r.element_identifier)).toEqual(['m2', 'm5']),
    ],
    [
      'notIn',
      { filter: { dst: { notIn: ['acceptor-0', 'acceptor-1'] } } },
      (rows) => expect(rows.map((r) => r.dst)).toEqual(['replica-0']),
    ],
    [
      'startsWith',
      { filter: { dst: { startsWith: 'acceptor-' } } },
      (rows) => expect(rows).toHaveLength(4),
    ],
    [
      'endsWith',
      { filter: { dst: { endsWith: '-1' } } },
      (rows) => expect(rows.map((r) => r.element_identifier)).toEqual(['m2']),
    ],
    [
      'contains with a literal %',
      { filter: { payload: { contains: '50%' } } },
      (rows) => expect(rows.map((r) => r.element_identifier)).toEqual(['m3']),
    ],
    [
      'contains: % is not a wildcard',
      { filter: { payload: { contains: '%' } } },
      (rows) => expect(rows).toHaveLength(1),
    ],
    [
      'contains: _ is not a wildcard',
      { filter: { payload: { contains: 'n_' } } },
      (rows) => expect(rows).toHaveLength(0),
    ],
    ['null', { filter: { lease_owner: null } }, (rows) => expect(rows).toHaveLength(4)],
    [
      'not null',
      { filter: { lease_owner: { not: null } } },
      (rows) => expect(rows.map((r) => r.element_identifier)).toEqual(['m3']),
    ],
    [
      'not a value',
      { filter: { dst: { not: 'acceptor-0' } } },
      (rows) => expect(rows.map((r) => r.element_identifier)).toEqual(['m2', 'm5']),
    ],
    [
      'integer comparison',
      { filter: { attempts: { gte: 1 } } },
      (rows) => expect(rows.map((r) => r.element_identifier)).toEqual(['m2']),
    ],
    [
      'date-time comparison',
      { filter: { time_inserted: { lt: '2021-01-01T00:00:00+02:00' } } },
      (rows) =>
        expect(rows).toEqual([
          expect.objectContaining({
            element_identifier: 'm4',
            time_inserted: '2020-01-01T00:00:00.000Z',
          }),
        ]),
    ],
    [
      'OR and NOT',
      {
        filter: { OR: [{ dst: 'replica-0' }, { attempts: 2 }], NOT: { element_identifier: 'm5' } },
      },
      (rows) => expect(rows.map((r) => r.element_identifier)).toEqual(['m2']),
    ],
    ['an empty filter matches everything', { filter: {} }, (rows) => expect(rows).toHaveLength(5)],
    ['take 0', { take: 0 }, (rows) => expect(rows).toEqual([])],
    ['skip past the end', { skip: 10 }, (rows) => expect(rows).toEqual([])],
    [
      'an SQL injection in a value matches nothing and harms nothing',
      { filter: { dst: "acceptor-0' OR '1'='1" } },
      (rows) => expect(rows).toEqual([]),
    ],
  ];

  it.each(findCases)('GET /rest/queue_item: %s', async (_t, params, check) => {
    const res = await request(app).get(`/rest/queue_item?${query(params)}`);
    expect(res.status).toBe(200);
    check(res.body.data as Row[]);
  });

  it('GET /rest/queue_item/{id} with select', async () => {
    const res = await request(app).get(
      `/rest/queue_item/m2?${query({ select: { attempts: true } })}`,
    );
    expect(res.body).toEqual({ data: { attempts: 2 } });
  });

  it('GET /rest/queue_item/{id} answers 404 for an unknown identifier', async () => {
    const res = await request(app).get('/rest/queue_item/nope');
    expect(res.status).toBe(404);
    expect(res.body.errors[0].error).toMatch(/no queue_item has element_identifier "nope"/);
  });

  it('PATCH /rest/queue_item/{id} answers the updated row', async () => {
    const res = await request(app)
      .patch('/rest/queue_item/m1')
      .send({ lease_owner: 'acceptor-0#3', lease_until: '2030-01-01T00:00:00.5Z', attempts: 1 });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      element_identifier: 'm1',
      lease_owner: 'acceptor-0#3',
      lease_until: '2030-01-01T00:00:00.500Z',
      attempts: 1,
    });
  });

  it('PATCH /rest/queue_item/{id} answers 404 for an unknown identifier', async () => {
    const res = await request(app).patch('/rest/queue_item/nope').send({ attempts: 1 });
    expect(res.status).toBe(404);
  });

  it('PATCH /rest/queue_item?filter= updates the matching rows and counts them', async () => {
    const res = await request(app)
      .patch(`/rest/queue_item?${query({ filter: { lease_owner: { not: null } } })}`)
      .send({ lease_owner: null, lease_until: null });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: { count: 2 } });
    const left = await request(app).get(
      `/rest/queue_item?${query({ filter: { lease_owner: { not: null } } })}`,
    );
    expect(left.body.data).toEqual([]);
  });

  it('PATCH many that matches nothing counts 0', async () => {
    const res = await request(app)
      .patch(`/rest/queue_item?${query({ filter: { dst: 'nobody' } })}`)
      .send({ attempts: 9 });
    expect(res.body).toEqual({ data: { count: 0 } });
  });

  it('DELETE /rest/queue_item?filter= deletes the matching rows and counts them', async () => {
    const res = await request(app).delete(
      `/rest/queue_item?${query({ filter: { dst: 'acceptor-0' } })}`,
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: { count: 3 } });
  });

  it('DELETE /rest/queue_item?filter={} deletes every row', async () => {
    const res = await request(app).delete(`/rest/queue_item?${query({ filter: {} })}`);
    expect(res.body).toEqual({ data: { count: 2 } });
    expect((await request(app).get('/rest/queue_item')).body).toEqual({ data: [] });
  });
});

describe('durable_state: Json values, nullable BIGINT, composite identifier', () => {
  const bigSlot = 2 ** 40 + 7;

  it('creates rows whose value is any JSON', async () => {
    const values = [{ promised: [3, 'leader-1'] }, [1, 2, 3], 'plain text', 42, true];
    const res = await request(app)
      .post('/rest/durable_state')
      .send(
        values.map((value, i) => ({
          owner: 'acceptor-0',
          key: `k${i}`,
          value,
          slot: i === 0 ? bigSlot : null,
        })),
      );
    expect(res.body).toEqual({ data: { count: 5 } });
    const rows = await request(app).get(
      `/rest/durable_state?${query({ filter: { owner: 'acceptor-0' } })}`,
    );
    expect(rows.body.data.map((r: { value: unknown }) => r.value)).toEqual(values);
    expect(rows.body.data[0].slot).toBe(bigSlot);
    expect(rows.body.data[1].slot).toBeNull();
    expect(rows.body.data[0].updated_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('creates one with POST /__one and answers the Json value as JSON', async () => {
    const res = await request(app)
      .post('/rest/durable_state/__one')
      .send({ owner: 'acceptor-1', key: 'ballot', value: { round: 1 } });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({
      owner: 'acceptor-1',
      key: 'ballot',
      slot: null,
      value: { round: 1 },
    });
  });

  it('filters on a Json value by document equality', async () => {
    const res = await request(app).get(
      `/rest/durable_state?${query({ filter: { value: { equals: { promised: [3, 'leader-1'] } } } })}`,
    );
    expect(res.body.data.map((r: { key: string }) => r.key)).toEqual(['k0']);
  });

  it('addresses a row of a composite identifier with a filter', async () => {
    const res = await request(app)
      .patch(`/rest/durable_state?${query({ filter: { owner: 'acceptor-1', key: 'ballot' } })}`)
      .send({ value: { round: 2 }, slot: 5 });
    expect(res.body).toEqual({ data: { count: 1 } });
    const row = await request(app).get(
      `/rest/durable_state?${query({ filter: { owner: 'acceptor-1', key: 'ballot' } })}`,
    );
    expect(row.body.data).toEqual([expect.objectContaining({ value: { round: 2 }, slot: 5 })]);
  });

  it('orders by a nullable BIGINT', async () => {
    const res = await request(app).get(
      `/rest/durable_state?${query({ filter: { slot: { not: null } }, order_by: [{ slot: 'desc' }], select: { slot: true } })}`,
    );
    expect(res.body.data).toEqual([{ slot: bigSlot }, { slot: 5 }]);
  });
});

describe('process_epoch', () => {
  it('round-trips a BIGINT epoch as a number', async () => {
    const created = await request(app)
      .post('/rest/process_epoch/__one')
      .send({ process_id: 'acceptor-0', epoch: 7 });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({ process_id: 'acceptor-0', epoch: 7 });
    const updated = await request(app).patch('/rest/process_epoch/acceptor-0').send({ epoch: 8 });
    expect(updated.body.data.epoch).toBe(8);
  });

  it('fills defaults on create', async () => {
    const created = await request(app)
      .post('/rest/process_epoch/__one')
      .send({ process_id: 'replica-0' });
    expect(created.body.data).toMatchObject({
      process_id: 'replica-0',
      epoch: 0,
      claimed_at: expect.any(String),
    });
  });

  it('takes an identifier that needs URL encoding', async () => {
    await request(app).post('/rest/process_epoch/__one').send({ process_id: 'a/b c#1' });
    const res = await request(app).get(`/rest/process_epoch/${encodeURIComponent('a/b c#1')}`);
    expect(res.status).toBe(200);
    expect(res.body.data.process_id).toBe('a/b c#1');
  });
});

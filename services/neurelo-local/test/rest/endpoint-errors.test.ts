import request from 'supertest';
import type express from 'express';
import { openTestDatabase, type TestDatabase } from '../support/test-database';
import { query, restApp } from './support/rest-app';

/**
 * Every way a REST call can be wrong answers Neurelo's error envelope with a status and a
 * message that names what is wrong, and leaves the data as it was.
 */

let t: TestDatabase;
let app: express.Express;

const EXISTING = { element_identifier: 'keep-me', dst: 'acceptor-0', payload: '{}' };

beforeAll(async () => {
  t = await openTestDatabase('rest_errors');
  app = restApp(t.db);
  await request(app).post('/rest/queue_item/__one').send(EXISTING).expect(201);
});
afterAll(() => t.drop());

afterEach(async () => {
  // Nothing a refused request does may change the table.
  const r = await t.db.query<{ element_identifier: string }>(
    'SELECT element_identifier FROM queue_item',
  );
  expect(r.rows).toEqual([{ element_identifier: 'keep-me' }]);
});

type Method = 'get' | 'post' | 'patch' | 'delete';
type Case = [
  title: string,
  method: Method,
  path: string,
  body: unknown,
  status: number,
  message: RegExp,
];

const VALID_PUSH = { element_identifier: 'new-1', dst: 'acceptor-0', payload: '{}' };
const q = query;

const cases: Case[] = [
  // Unknown objects, on every route.
  [
    'GET many of an unknown object',
    'get',
    '/rest/nope',
    undefined,
    404,
    /the schema has no object "nope" \(objects: queue_item, dead_letter, durable_state, process_epoch\)/,
  ],
  ['POST many of an unknown object', 'post', '/rest/nope', [VALID_PUSH], 404, /no object "nope"/],
  [
    'PATCH many of an unknown object',
    'patch',
    `/rest/nope?${q({ filter: {} })}`,
    { a: 1 },
    404,
    /no object "nope"/,
  ],
  [
    'DELETE many of an unknown object',
    'delete',
    `/rest/nope?${q({ filter: {} })}`,
    undefined,
    404,
    /no object "nope"/,
  ],
  [
    'POST one of an unknown object',
    'post',
    '/rest/nope/__one',
    VALID_PUSH,
    404,
    /no object "nope"/,
  ],
  ['GET by id of an unknown object', 'get', '/rest/nope/1', undefined, 404, /no object "nope"/],
  ['PATCH by id of an unknown object', 'patch', '/rest/nope/1', { a: 1 }, 404, /no object "nope"/],
  [
    'DELETE by id of an unknown object',
    'delete',
    '/rest/nope/1',
    undefined,
    404,
    /no object "nope"/,
  ],
  [
    'a table name that is not an object',
    'get',
    '/rest/schema_migrations',
    undefined,
    404,
    /no object "schema_migrations"/,
  ],

  // Query parameters.
  [
    'malformed filter',
    'get',
    '/rest/queue_item?filter=%7Bdst',
    undefined,
    400,
    /query parameter filter is not valid JSON/,
  ],
  [
    'malformed select',
    'get',
    '/rest/queue_item?select=dst',
    undefined,
    400,
    /query parameter select is not valid JSON/,
  ],
  [
    'malformed order_by',
    'get',
    '/rest/queue_item?order_by=%5B%7B',
    undefined,
    400,
    /query parameter order_by is not valid JSON/,
  ],
  [
    'an unknown field in filter',
    'get',
    `/rest/queue_item?${q({ filter: { colour: 'red' } })}`,
    undefined,
    400,
    /filter names "colour", which is not a field of queue_item/,
  ],
  [
    'an unknown field in select',
    'get',
    `/rest/queue_item?${q({ select: { colour: true } })}`,
    undefined,
    400,
    /select names "colour"/,
  ],
  [
    'an unknown field in order_by',
    'get',
    `/rest/queue_item?${q({ order_by: [{ colour: 'asc' }] })}`,
    undefined,
    400,
    /order_by names "colour"/,
  ],
  [
    'SQL as a filter field',
    'get',
    `/rest/queue_item?${q({ filter: { '1=1; DELETE FROM queue_item; --': 1 } })}`,
    undefined,
    400,
    /not a field of queue_item/,
  ],
  [
    'SQL as an order direction',
    'get',
    `/rest/queue_item?${q({ order_by: [{ seq: 'asc; DELETE FROM queue_item' }] })}`,
    undefined,
    400,
    /must be "asc" or "desc"/,
  ],
  [
    'a wrong value type in filter',
    'get',
    `/rest/queue_item?${q({ filter: { attempts: 'many' } })}`,
    undefined,
    400,
    /"attempts" in filter.attempts must be an integer/,
  ],
  [
    'an unknown operator',
    'get',
    `/rest/queue_item?${q({ filter: { dst: { regex: '.*' } } })}`,
    undefined,
    400,
    /operator "regex"/,
  ],
  [
    'a negative skip',
    'get',
    '/rest/queue_item?skip=-1',
    undefined,
    400,
    /skip must be a non-negative integer/,
  ],
  [
    'take past the cap',
    'get',
    '/rest/queue_item?take=1001',
    undefined,
    400,
    /take may be at most 1000/,
  ],
  [
    'an unknown parameter',
    'get',
    '/rest/queue_item?orderBy=%5B%5D',
    undefined,
    400,
    /query parameter "orderBy" is not understood here/,
  ],
  [
    'a repeated parameter',
    'get',
    '/rest/queue_item?take=1&take=2',
    undefined,
    400,
    /take is given more than once/,
  ],
  [
    'select on create many',
    'post',
    `/rest/queue_item?${q({ select: {} })}`,
    [VALID_PUSH],
    400,
    /this endpoint takes: none/,
  ],

  // Many-row writes need a filter.
  [
    'PATCH many without a filter',
    'patch',
    '/rest/queue_item',
    { attempts: 1 },
    400,
    /PATCH \/rest\/queue_item writes many rows and needs a filter; pass filter=\{\} to mean every row/,
  ],
  [
    'DELETE many without a filter',
    'delete',
    '/rest/queue_item',
    undefined,
    400,
    /DELETE \/rest\/queue_item writes many rows and needs a filter/,
  ],

  // Bodies.
  [
    'create one: unknown field',
    'post',
    '/rest/queue_item/__one',
    { ...VALID_PUSH, colour: 'red' },
    400,
    /the body names "colour", which is not a field of queue_item/,
  ],
  [
    'create one: missing required field',
    'post',
    '/rest/queue_item/__one',
    { element_identifier: 'x', dst: 'a' },
    400,
    /lacks required field "payload"/,
  ],
  [
    'create one: wrong type',
    'post',
    '/rest/queue_item/__one',
    { ...VALID_PUSH, dst: 7 },
    400,
    /"dst" in the body must be a string/,
  ],
  [
    'create one: null where not nullable',
    'post',
    '/rest/queue_item/__one',
    { ...VALID_PUSH, payload: null },
    400,
    /"payload" in the body may not be null/,
  ],
  [
    'create one: a date-time that does not parse',
    'post',
    '/rest/queue_item/__one',
    { ...VALID_PUSH, time_inserted: 'now' },
    400,
    /"time_inserted" in the body must be an ISO-8601 date-time/,
  ],
  [
    'create one: a string past its VARCHAR length',
    'post',
    '/rest/queue_item/__one',
    { ...VALID_PUSH, dst: 'd'.repeat(129) },
    400,
    /at most 128 characters/,
  ],
  [
    'create one: an integer past INTEGER',
    'post',
    '/rest/queue_item/__one',
    { ...VALID_PUSH, attempts: 2 ** 31 },
    400,
    /"attempts" in the body must be an integer from/,
  ],
  [
    'create one: an array body',
    'post',
    '/rest/queue_item/__one',
    [VALID_PUSH],
    400,
    /the body must be a JSON object of queue_item fields/,
  ],
  [
    'create one: a duplicate identifier',
    'post',
    '/rest/queue_item/__one',
    { ...EXISTING },
    400,
    /duplicate key/,
  ],
  [
    'create many: an object body',
    'post',
    '/rest/queue_item',
    VALID_PUSH,
    400,
    /create many takes a JSON array of queue_item objects/,
  ],
  [
    'create many: an empty array',
    'post',
    '/rest/queue_item',
    [],
    400,
    /create many takes at least one object/,
  ],
  [
    'create many: a bad item is named by its position',
    'post',
    '/rest/queue_item',
    [VALID_PUSH, { dst: 'a' }],
    400,
    /the body\[1\] lacks required fields "element_identifier", "payload"/,
  ],
  [
    'create many: a duplicate inside the batch creates none',
    'post',
    '/rest/queue_item',
    [VALID_PUSH, VALID_PUSH],
    400,
    /duplicate key/,
  ],
  [
    'update by id: unknown field',
    'patch',
    '/rest/queue_item/keep-me',
    { colour: 'red' },
    400,
    /the body names "colour"/,
  ],
  [
    'update by id: nothing to update',
    'patch',
    '/rest/queue_item/keep-me',
    {},
    400,
    /names no queue_item field to update/,
  ],
  [
    'update many: wrong type',
    'patch',
    `/rest/queue_item?${q({ filter: {} })}`,
    { attempts: '1' },
    400,
    /"attempts" in the body must be an integer/,
  ],
  [
    'update many: null where not nullable',
    'patch',
    `/rest/queue_item?${q({ filter: {} })}`,
    { dst: null },
    400,
    /"dst" in the body may not be null/,
  ],

  // By-identifier routes on an object with a composite identifier.
  [
    'GET by id of a composite identifier',
    'get',
    '/rest/durable_state/x',
    undefined,
    400,
    /durable_state has a composite identifier \(owner, key\); address its rows with a filter/,
  ],
  [
    'PATCH by id of a composite identifier',
    'patch',
    '/rest/durable_state/x',
    { slot: 1 },
    400,
    /composite identifier/,
  ],
  [
    'DELETE by id of a composite identifier',
    'delete',
    '/rest/durable_state/x',
    undefined,
    400,
    /composite identifier/,
  ],
];

describe('REST errors', () => {
  it.each(cases)('%s', async (_title, method, path, body, status, message) => {
    let req = request(app)[method](path);
    if (body !== undefined) req = req.send(body as object);
    const res = await req;
    expect(res.status).toBe(status);
    expect(res.body).toEqual({
      errors: [expect.objectContaining({ error: expect.stringMatching(message) })],
    });
  });

  it('a body that is not JSON is a 400', async () => {
    const res = await request(app)
      .post('/rest/queue_item/__one')
      .set('Content-Type', 'application/json')
      .send('{"dst": ');
    expect(res.status).toBe(400);
    expect(res.body.errors[0].error).toBe('request body is not valid JSON');
  });

  it('a body without a JSON content type is a 400 that says so', async () => {
    const res = await request(app)
      .post('/rest/queue_item/__one')
      .set('Content-Type', 'text/plain')
      .send(JSON.stringify(VALID_PUSH));
    expect(res.status).toBe(400);
    expect(res.body.errors[0].error).toMatch(/send Content-Type: application\/json/);
  });

  it('a missing body on PATCH is a 400', async () => {
    const res = await request(app).patch('/rest/queue_item/keep-me');
    expect(res.status).toBe(400);
    expect(res.body.errors[0].error).toMatch(/the body must be a JSON object/);
  });

  it('names the field and the received value in details', async () => {
    const res = await request(app)
      .post('/rest/queue_item/__one')
      .send({ ...VALID_PUSH, attempts: 'x' });
    expect(res.body.errors[0].details).toEqual({ field: 'attempts', received: '"x"' });
  });
});

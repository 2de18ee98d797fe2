import { gzipSync } from 'node:zlib';
import request from 'supertest';
import {
  listen,
  openTestApp,
  READ_ONLY_KEY,
  READ_WRITE_KEY,
  type TestApp,
} from './support/app-harness';

/**
 * `/custom/{name}` is served twice over: on node:http (fast-route.ts) for plain JSON calls, and
 * by express for the rest. Express routes ignore case, the fast route does not, so the same call
 * sent to `/CUSTOM/...` is express's answer: both must be the same answer.
 */
describe('the fast /custom route', () => {
  let h: TestApp;
  beforeAll(async () => {
    h = await openTestApp('fast_route', { bodyLimitBytes: 2_048 });
  });
  afterAll(() => h.close());

  interface Call {
    method: 'get' | 'post' | 'delete';
    name: string;
    key?: string;
    query?: string;
    body?: string;
  }

  const send = (prefix: string, c: Call) => {
    let r = request(h.app)[c.method](`${prefix}/${c.name}${c.query ?? ''}`);
    if (c.key) r = r.set('X-API-KEY', c.key);
    if (c.body !== undefined) r = r.set('Content-Type', 'application/json').send(c.body);
    return r;
  };
  const answer = (res: request.Response) => ({
    status: res.status,
    body: res.body as unknown,
    allow: res.headers.allow,
    type: res.headers['content-type'],
  });

  const calls: Array<[string, Call]> = [
    ['a read', { method: 'get', name: 'queue_depth', key: READ_WRITE_KEY }],
    [
      'an unknown variable',
      { method: 'get', name: 'queue_depth', key: READ_WRITE_KEY, query: '?x=1' },
    ],
    [
      'a write',
      {
        method: 'post',
        name: 'queue_push',
        key: READ_WRITE_KEY,
        body: JSON.stringify({ messages: '[]' }),
      },
    ],
    ['no key', { method: 'post', name: 'queue_push', body: '{"messages":"[]"}' }],
    ['a read-only key', { method: 'get', name: 'queue_depth', key: READ_ONLY_KEY }],
    ['an unknown query', { method: 'post', name: 'nosuch', key: READ_WRITE_KEY, body: '{}' }],
    ['the wrong method', { method: 'post', name: 'queue_depth', key: READ_WRITE_KEY, body: '{}' }],
    ['a missing variable', { method: 'post', name: 'queue_push', key: READ_WRITE_KEY, body: '{}' }],
    [
      'an empty pop',
      { method: 'delete', name: 'queue_pop', key: READ_WRITE_KEY, query: '?dst=none' },
    ],
    ['a pop without dst', { method: 'delete', name: 'queue_pop', key: READ_WRITE_KEY }],
    ['invalid JSON', { method: 'post', name: 'queue_push', key: READ_WRITE_KEY, body: '{"m' }],
    ['a JSON string', { method: 'post', name: 'queue_push', key: READ_WRITE_KEY, body: '"x"' }],
    ['an array', { method: 'post', name: 'queue_push', key: READ_WRITE_KEY, body: '[]' }],
    [
      'a body over the limit',
      {
        method: 'post',
        name: 'queue_push',
        key: READ_WRITE_KEY,
        body: JSON.stringify({ messages: 'x'.repeat(4_096) }),
      },
    ],
    [
      'SQL rejecting a value',
      {
        method: 'post',
        name: 'queue_push',
        key: READ_WRITE_KEY,
        body: JSON.stringify({ messages: 'not json' }),
      },
    ],
  ];

  it.each(calls)('answers %s as express does', async (_what, call) => {
    const fast = answer(await send('/custom', call));
    const framework = answer(await send('/CUSTOM', call));
    expect(fast).toEqual(framework);
  });

  it('is the one answering plain calls (express would add an ETag)', async () => {
    const call: Call = { method: 'get', name: 'queue_depth', key: READ_WRITE_KEY };
    expect((await send('/custom', call)).headers.etag).toBeUndefined();
    expect((await send('/CUSTOM', call)).headers.etag).toBeDefined();
  });

  it('leaves a compressed body to express, which reads it', async () => {
    const server = await listen(h.app);
    try {
      const body = JSON.stringify({
        messages: JSON.stringify([{ id: 'gz1', dst: 'gz', payload: '{}' }]),
      });
      const res = await fetch(`${server.baseUrl}/custom/queue_push`, {
        method: 'POST',
        headers: {
          'X-API-KEY': READ_WRITE_KEY,
          'Content-Type': 'application/json',
          'Content-Encoding': 'gzip',
        },
        body: gzipSync(body),
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ data: [{ inserted: 1 }] });
    } finally {
      await server.close();
    }
  });
});

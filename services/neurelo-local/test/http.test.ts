import request from 'supertest';
import { openTestApp, READ_ONLY_KEY, READ_WRITE_KEY, type TestApp } from './support/app-harness';

/** The HTTP surface around the queries: keys, bodies, variables, routes, envelopes. */
describe('the local Neurelo HTTP surface', () => {
  let h: TestApp;
  beforeAll(async () => {
    h = await openTestApp('http', { bodyLimitBytes: 2_048 });
  });
  afterAll(() => h.close());

  const push = (key: string | undefined, body: unknown) => {
    const r = request(h.app).post('/custom/queue_push');
    return key ? r.set('X-API-KEY', key).send(body as object) : r.send(body as object);
  };

  it('answers /healthz without a key', async () => {
    const res = await request(h.app).get('/healthz').expect(200);
    expect(res.body).toEqual({ data: { status: 'ok', storage: h.t.db.kind } });
  });

  describe('X-API-KEY', () => {
    it('is required (401) on custom queries and REST endpoints', async () => {
      const custom = await push(undefined, { messages: '[]' }).expect(401);
      expect(custom.body).toEqual({
        errors: [{ error: 'missing API key: send it in the X-API-KEY header' }],
      });
      await request(h.app).get('/rest/queue_item').expect(401);
    });

    it('must be a known key (401), and is not echoed back', async () => {
      const res = await push('neurelo_guess', { messages: '[]' }).expect(401);
      expect(JSON.stringify(res.body)).not.toContain('neurelo_guess');
    });

    it('read-only: refused (403) on every custom query, even one that only reads', async () => {
      await push(READ_ONLY_KEY, { messages: '[]' }).expect(403);
      const depth = await request(h.app)
        .get('/custom/queue_depth')
        .set('X-API-KEY', READ_ONLY_KEY)
        .expect(403);
      expect(depth.body.errors[0].error).toBe('custom queries need a read-write API key');
    });

    it('read-only: REST reads pass, REST writes are refused (403)', async () => {
      await request(h.app).get('/rest/queue_item').set('X-API-KEY', READ_ONLY_KEY).expect(200);
      await request(h.app)
        .post('/rest/queue_item/__one')
        .set('X-API-KEY', READ_ONLY_KEY)
        .send({ element_identifier: 'x', dst: 'd', payload: '{}' })
        .expect(403);
    });

    it('read-write: allowed everywhere', async () => {
      await push(READ_WRITE_KEY, { messages: '[]' }).expect(200);
    });
  });

  describe('bodies', () => {
    it('over the limit are a 400 that says so', async () => {
      const res = await push(READ_WRITE_KEY, { messages: 'x'.repeat(4_096) }).expect(400);
      expect(res.body.errors[0].error).toBe(
        'request body is too large: it exceeds the limit of 2048 bytes',
      );
    });

    it('that are not JSON are a 400', async () => {
      const res = await request(h.app)
        .post('/custom/queue_push')
        .set('X-API-KEY', READ_WRITE_KEY)
        .set('Content-Type', 'application/json')
        .send('{"messages": "[]"')
        .expect(400);
      expect(res.body).toEqual({ errors: [{ error: 'request body is not valid JSON' }] });
    });

    it('that are a JSON array instead of an object of variables are a 400', async () => {
      await push(READ_WRITE_KEY, [{ messages: '[]' }]).expect(400);
    });
  });

  describe('variables', () => {
    it('missing, unknown or of the wrong type: 400 naming the variable', async () => {
      const claim = (body: object) =>
        request(h.app).post('/custom/queue_claim').set('X-API-KEY', READ_WRITE_KEY).send(body);
      const good = { dst: 'd', owner: 'o#1', limit: 1, leaseMs: 1_000 };
      const missing = await claim({ dst: 'd', owner: 'o#1', limit: 1 }).expect(400);
      expect(missing.body).toEqual({
        errors: [{ error: 'missing variable "leaseMs" (Int)', details: { variable: 'leaseMs' } }],
      });
      const wrong = await claim({ ...good, limit: 'ten' }).expect(400);
      expect(wrong.body.errors[0].details).toEqual({ variable: 'limit' });
      const unknown = await claim({ ...good, lease: 5 }).expect(400);
      expect(unknown.body.errors[0].error).toMatch(/unknown variable "lease"/);
    });

    it('of GET and DELETE queries come from the query string and must parse', async () => {
      await request(h.app).delete('/custom/queue_pop').set('X-API-KEY', READ_WRITE_KEY).expect(400);
      const res = await request(h.app)
        .delete('/custom/queue_pop?dst=a&dst=b')
        .set('X-API-KEY', READ_WRITE_KEY)
        .expect(400);
      expect(res.body.errors[0].details).toEqual({ variable: 'dst' });
    });

    it('whose value SQL rejects (not JSON) are a 400, not a 500', async () => {
      const res = await push(READ_WRITE_KEY, { messages: 'not json' }).expect(400);
      expect(res.body.errors[0].details.code).toBe('22P02');
    });
  });

  describe('routes', () => {
    it('an unknown custom query is a 404', async () => {
      const res = await request(h.app)
        .post('/custom/queue_peek')
        .set('X-API-KEY', READ_WRITE_KEY)
        .expect(404);
      expect(res.body.errors[0].error).toBe('there is no custom query named "queue_peek"');
    });

    it('a known query called with another method is a 405 with Allow', async () => {
      const res = await request(h.app)
        .get('/custom/queue_claim')
        .set('X-API-KEY', READ_WRITE_KEY)
        .expect(405);
      expect(res.headers.allow).toBe('POST');
    });

    it('anything else is a 404 envelope', async () => {
      const res = await request(h.app).get('/nowhere').expect(404);
      expect(res.body.errors[0].error).toBe('no route for GET /nowhere');
    });
  });
});

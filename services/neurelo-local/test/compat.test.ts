import request from 'supertest';
import { openTestApp, READ_WRITE_KEY, type TestApp } from './support/app-harness';

/**
 * The original Python project's three calls (shared/neurelo-api.md), sent byte for byte as
 * `requests` sends them: json.dumps' ", " and ": " separators, a uuid4, and
 * datetime.utcnow().isoformat() + "Z" (microseconds).
 */
describe("the original project's calls", () => {
  let h: TestApp;
  beforeAll(async () => {
    h = await openTestApp('compat');
  });
  afterAll(() => h.close());

  const message = '{"type": "p1a", "src": "leader-0", "ballot_number": [1, "leader-0"]}';
  const pushBody = (id: string, dst: string, timeInserted: string): string =>
    `{"element_identifier": "${id}", "time_inserted": "${timeInserted}", "dst": "${dst}", "payload": ${JSON.stringify(message)}}`;
  const push = (body: string) =>
    request(h.app)
      .post('/rest/queue_item/__one')
      .set('X-API-KEY', READ_WRITE_KEY)
      .set('Content-Type', 'application/json')
      .send(body);
  const pop = (dst: string) =>
    request(h.app).delete(`/custom/queue_pop?dst=${dst}`).set('X-API-KEY', READ_WRITE_KEY);

  it('push, then pop returns the message once, then "no message"', async () => {
    const id = '9b2f4d1e-8c3a-4f6b-a1d2-3e4f5a6b7c8d';
    const body = pushBody(id, 'acceptor-0', '2024-05-01T12:00:00.123456Z');
    expect(body).toBe(
      '{"element_identifier": "9b2f4d1e-8c3a-4f6b-a1d2-3e4f5a6b7c8d", "time_inserted": "2024-05-01T12:00:00.123456Z", "dst": "acceptor-0", "payload": "{\\"type\\": \\"p1a\\", \\"src\\": \\"leader-0\\", \\"ballot_number\\": [1, \\"leader-0\\"]}"}',
    );
    const pushed = await push(body);
    expect([200, 201]).toContain(pushed.status);

    const popped = await pop('acceptor-0').expect(200);
    expect(popped.body.data).toHaveLength(1);
    expect(popped.body.data[0]).toEqual({
      element_identifier: id,
      time_inserted: expect.stringMatching(/^2024-05-01T12:00:00\.123/),
      dst: 'acceptor-0',
      payload: message,
    });
    expect(JSON.parse(popped.body.data[0].payload as string)).toEqual({
      type: 'p1a',
      src: 'leader-0',
      ballot_number: [1, 'leader-0'],
    });

    const empty = await pop('acceptor-0').expect(200);
    expect(empty.text).toBe('{"data":[]}');
  });

  it('pop takes the oldest message of its destination only', async () => {
    await push(pushBody('m-1', 'replica-0', '2024-05-01T12:00:01.000000Z'));
    await push(pushBody('m-2', 'acceptor-1', '2024-05-01T12:00:02.000000Z'));
    await push(pushBody('m-3', 'replica-0', '2024-05-01T12:00:03.000000Z'));
    expect((await pop('replica-0')).body.data[0].element_identifier).toBe('m-1');
    expect((await pop('replica-0')).body.data[0].element_identifier).toBe('m-3');
    expect((await pop('replica-0')).body.data).toEqual([]);
  });

  it('clear deletes everything with a 200', async () => {
    await push(pushBody('c-1', 'leader-0', '2024-05-01T12:00:04.000000Z'));
    await push(pushBody('c-2', 'leader-1', '2024-05-01T12:00:05.000000Z'));
    const cleared = await request(h.app)
      .delete('/custom/queue_pop_all')
      .set('X-API-KEY', READ_WRITE_KEY)
      .expect(200);
    expect(cleared.body).toEqual({ data: [{ deleted: 3 }] });
    expect((await h.t.db.query('SELECT 1 FROM queue_item')).rowCount).toBe(0);
  });
});

/**
 * The relay as a client of the replicas' contract: one session, numbered requests, the same
 * numbers on the next replica when one does not answer, and refusals passed on (a 410 is not
 * resubmitted under a new session).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FleetTarget } from '../src/config/fleet-targets';
import { CommandRelay, CommandRelayError } from '../src/http/command-relay';

interface Replica {
  target: FleetTarget;
  seen: string[];
  /** The Authorization header of every request, `-` when absent. */
  auth: string[];
  /** Status to answer commands with (200 answers slot 4). */
  status: number;
  code?: string;
  close: () => Promise<void>;
}

let registrations = 0;

async function replica(name: string): Promise<Replica> {
  const r: Replica = {
    target: { name, role: 'replica', url: '' },
    seen: [],
    auth: [],
    status: 200,
    close: async () => undefined,
  };
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      r.auth.push(req.headers.authorization ?? '-');
      res.setHeader('content-type', 'application/json');
      if (req.url === '/sessions') {
        registrations += 1;
        res.end(JSON.stringify({ sessionId: 40 + registrations }));
        return;
      }
      const c = JSON.parse(text) as { sessionId: number; requestId: number };
      r.seen.push(`${c.sessionId}:${c.requestId}`);
      res.statusCode = r.status;
      res.end(
        JSON.stringify(
          r.status === 200
            ? { ...c, slot: 4, result: { ok: true, value: null } }
            : { code: r.code, error: `refused with ${r.code}` },
        ),
      );
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((ok) => server.once('listening', ok));
  r.target.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  r.close = async () => {
    server.closeAllConnections();
    await new Promise((ok) => server.close(ok));
  };
  return r;
}

describe('CommandRelay', () => {
  let a: Replica;
  let b: Replica;
  beforeEach(async () => {
    registrations = 0;
    a = await replica('replica-0');
    b = await replica('replica-1');
  });
  afterEach(async () => {
    await a.close();
    await b.close();
  });

  it('registers once and numbers the requests, moving on with the same numbers after a 503', async () => {
    const relay = new CommandRelay(
      () => [a.target, b.target],
      () => null,
      2_000,
    );
    const first = await relay.run({ kind: 'get', key: 'k' });
    expect(first).toMatchObject({ replica: 'replica-0', sessionId: 41, requestId: 1, slot: 4 });
    a.status = 503;
    const second = await relay.run({ kind: 'get', key: 'k' });
    expect(second).toMatchObject({ replica: 'replica-1', sessionId: 41, requestId: 2 });
    expect(a.seen).toEqual(['41:1', '41:2']);
    expect(b.seen).toEqual(['41:2']);
    expect(registrations).toBe(1);
  });

  it.each([
    [409, 'request-id-conflict'],
    [400, 'invalid-command'],
    [413, 'kv-quota-exceeded'],
  ])('passes a %i on without trying another replica', async (status, code) => {
    a.status = status;
    a.code = code;
    const relay = new CommandRelay(
      () => [a.target, b.target],
      () => null,
      2_000,
    );
    const err = await relay.run({ kind: 'get', key: 'k' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandRelayError);
    expect((err as CommandRelayError).status).toBe(status);
    expect(b.seen).toEqual([]);
  });

  it('passes a 410 on as an unknown outcome, and registers anew for the next command', async () => {
    a.status = 410;
    a.code = 'session-unknown';
    const relay = new CommandRelay(
      () => [a.target, b.target],
      () => null,
      2_000,
    );
    const err = (await relay.run({ kind: 'get', key: 'k' }).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(CommandRelayError);
    expect(err.message).toMatch(/outcome is unknown/);
    expect(a.seen).toEqual(['41:1']);
    expect(b.seen).toEqual([]);
    a.status = 200;
    expect(await relay.run({ kind: 'get', key: 'k' })).toMatchObject({
      sessionId: 42,
      requestId: 1,
    });
  });

  it('sends its client key as a bearer token, and none without one', async () => {
    const keyed = new CommandRelay(
      () => [a.target],
      () => null,
      2_000,
      'pxk_relay-key',
    );
    await keyed.run({ kind: 'get', key: 'k' });
    expect(a.auth).toEqual(['Bearer pxk_relay-key', 'Bearer pxk_relay-key']);
    const bare = new CommandRelay(
      () => [b.target],
      () => null,
      2_000,
    );
    await bare.run({ kind: 'get', key: 'k' });
    expect(b.auth).toEqual(['-', '-']);
  });

  it.each([
    [401, 'unauthorized'],
    [403, 'forbidden'],
  ])('a %i for its key is a 502 naming PAXOS_KEY, not retried elsewhere', async (status, code) => {
    a.status = status;
    a.code = code;
    const relay = new CommandRelay(
      () => [a.target, b.target],
      () => null,
      2_000,
      'pxk_wrong',
    );
    const err = (await relay
      .run({ kind: 'put', key: 'k', value: 'v' })
      .catch((e: unknown) => e)) as CommandRelayError;
    expect(err).toBeInstanceOf(CommandRelayError);
    expect(err.status).toBe(502);
    expect(err.message).toMatch(/PAXOS_KEY/);
    expect(b.seen).toEqual([]);
  });
});

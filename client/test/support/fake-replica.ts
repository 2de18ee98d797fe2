import http from 'node:http';

/**
 * A scripted stand-in for a replica's client API, to drive the client through answers a real
 * fleet gives only by chance (a 503 with Retry-After, a 410, a dropped connection).
 */

/** One scripted answer; `drop` cuts the connection, `hold` never answers. */
export type Scripted =
  { status: number; body?: unknown; headers?: Record<string, string> } | 'drop' | 'hold';

export interface Received {
  path: string;
  at: number;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

export interface FakeReplica {
  url: string;
  received: Received[];
  commands: () => Array<{ sessionId: number; requestId: number; op: { kind: string } }>;
  /** Answers for POST /commands, in order; once empty, a 200 echoing the command. */
  script: Scripted[];
  /** The session ids POST /sessions hands out, in order (then 1000, 1001, ...). */
  sessionIds: number[];
  /** Handles GET /watch (a test of the feed sets it). */
  onWatch: ((req: http.IncomingMessage, res: http.ServerResponse) => void) | null;
  /** Requests held (`hold`) and not yet answered. */
  held: http.ServerResponse[];
  close: () => Promise<void>;
}

export async function fakeReplica(port: number): Promise<FakeReplica> {
  let nextSession = 1000;
  const fake: FakeReplica = {
    url: `http://127.0.0.1:${port}`,
    received: [],
    commands: () =>
      fake.received
        .filter((r) => r.path === '/commands')
        .map((r) => r.body as ReturnType<FakeReplica['commands']>[number]),
    script: [],
    sessionIds: [],
    onWatch: null,
    held: [],
    close: async () => undefined,
  };
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]!;
    if (req.method === 'GET') {
      if (path !== '/watch' || !fake.onWatch) return send(res, 404, { code: 'not-found' });
      fake.received.push({
        path: req.url ?? '',
        at: performance.now(),
        headers: req.headers,
        body: null,
      });
      fake.onWatch(req, res);
      return;
    }
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      const body: unknown = text ? JSON.parse(text) : null;
      fake.received.push({ path, at: performance.now(), headers: req.headers, body });
      if (path === '/sessions') {
        send(res, 200, { sessionId: fake.sessionIds.shift() ?? nextSession++ });
        return;
      }
      const next = fake.script.shift() ?? { status: 200 };
      if (next === 'drop') {
        req.socket.destroy();
        return;
      }
      if (next === 'hold') {
        fake.held.push(res);
        return;
      }
      const c = body as { sessionId: number; requestId: number };
      send(
        res,
        next.status,
        next.body ?? {
          sessionId: c.sessionId,
          requestId: c.requestId,
          slot: 7,
          result: { ok: true, value: null },
        },
        next.headers,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  fake.close = () =>
    new Promise<void>((resolve) => {
      for (const res of fake.held) res.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}

export function send(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

/** An error body as a replica writes one. */
export const refusal = (status: number, code: string, headers?: Record<string, string>) => ({
  status,
  body: { code, error: `scripted ${code}` },
  ...(headers ? { headers } : {}),
});

import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP server for client tests that answers from a script: each request takes the
 * next reply. It records what arrived so tests can compare retried requests byte for byte.
 */
export type ScriptedReply =
  | { kind: 'json'; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: 'text'; status: number; body: string }
  /** Drops the connection without answering (a crashed server or a broken proxy). */
  | { kind: 'destroy' }
  /** Never answers (until the test closes the server). */
  | { kind: 'hang' };

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The client's port: equal ports mean a reused keep-alive connection. */
  remotePort: number | undefined;
}

export interface ScriptedServer {
  baseUrl: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export const ok = (data: unknown, headers?: Record<string, string>): ScriptedReply => ({
  kind: 'json',
  status: 200,
  body: { data },
  headers,
});

export const failure = (status: number, message = `failure ${status}`): ScriptedReply => ({
  kind: 'json',
  status,
  body: { errors: [{ error: message }] },
});

export async function startScriptedServer(script: ScriptedReply[]): Promise<ScriptedServer> {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        remotePort: req.socket.remotePort,
      });
      const reply = script[requests.length - 1] ?? failure(500, 'script exhausted');
      answer(reply, req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function answer(reply: ScriptedReply, req: http.IncomingMessage, res: http.ServerResponse): void {
  switch (reply.kind) {
    case 'json':
      res.writeHead(reply.status, { 'Content-Type': 'application/json', ...reply.headers });
      res.end(JSON.stringify(reply.body));
      return;
    case 'text':
      res.writeHead(reply.status, { 'Content-Type': 'text/html' });
      res.end(reply.body);
      return;
    case 'destroy':
      req.socket.destroy();
      return;
    case 'hang':
      return;
  }
}

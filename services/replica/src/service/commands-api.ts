import { CommandSchema, type Command, type Message } from '@paxos/shared';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Histogram } from 'prom-client';
import type { PendingCommands } from './pending-commands';

export interface CommandsApiDeps {
  pending: PendingCommands;
  submit: (m: Message) => void;
  isReady: () => boolean;
  commandTimeoutMs: number;
  latency: Histogram<'op'>;
}

/** A command is a few hundred bytes; anything far larger is a mistake, answered 400. */
export const COMMAND_BODY_LIMIT_BYTES = 128 * 1024;

/**
 * POST /commands {clientId, requestId, op}: answers once the command is decided and applied
 * (reads too: they go through the log, so they are linearizable). A timeout is a 504 that
 * tells the client to retry with the same requestId: the command still runs at most once.
 *
 * Served on node:http without express: it is called once per client command, and the
 * framework's routing and body parsing were the largest cost of a replica under load.
 * Returns false for any other request (express serves those).
 */
export function commandsRoute(
  d: CommandsApiDeps,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (req.method !== 'POST' || !isCommandsPath(req.url)) return false;
    readBody(req, COMMAND_BODY_LIMIT_BYTES).then(
      (body) => handleCommand(d, body, res),
      (err: Error) => reply(res, 400, { error: err.message }),
    );
    return true;
  };
}

function isCommandsPath(url: string | undefined): boolean {
  if (!url?.startsWith('/commands')) return false;
  const rest = url.slice('/commands'.length);
  return rest === '' || rest === '/' || rest.startsWith('?');
}

async function handleCommand(d: CommandsApiDeps, body: string, res: ServerResponse) {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    reply(res, 400, { error: 'request body is not valid JSON' });
    return;
  }
  const parsed = CommandSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
    reply(res, 400, { error: `invalid command: ${problems.join('; ')}` });
    return;
  }
  const command: Command = parsed.data;
  if (!d.isReady()) {
    reply(res, 503, {
      error:
        'replica is not ready (recovering or data API unreachable); retry with the same requestId',
      retryable: true,
    });
    return;
  }
  const timer = d.latency.startTimer({ op: command.op.kind });
  const outcome = d.pending.wait(command, d.commandTimeoutMs);
  d.submit({ type: 'request', from: command.clientId, commands: [command] });
  const o = await outcome;
  if (o.kind === 'timeout') {
    reply(res, 504, {
      error: `command not decided within ${d.commandTimeoutMs} ms; retry with the same requestId (it runs at most once)`,
      retryable: true,
      clientId: command.clientId,
      requestId: command.requestId,
    });
    return;
  }
  timer();
  const r = o.response;
  reply(res, 200, { clientId: r.clientId, requestId: r.requestId, slot: r.slot, result: r.result });
}

function reply(res: ServerResponse, status: number, body: object): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** The body as UTF-8 text; rejects (and stops reading) past `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > limit) {
      req.resume();
      reject(new Error('request body is too large'));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new Error('request body is too large'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks, size).toString('utf8')));
    req.on('error', reject);
  });
}

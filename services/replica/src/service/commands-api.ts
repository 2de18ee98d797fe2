import { CommandSchema, type Message } from '@paxos/shared';
import type { Express, Request, Response as HttpResponse } from 'express';
import express from 'express';
import type { Histogram } from 'prom-client';
import type { PendingCommands } from './pending-commands';

export interface CommandsApiDeps {
  pending: PendingCommands;
  submit: (m: Message) => void;
  isReady: () => boolean;
  commandTimeoutMs: number;
  latency: Histogram<'op'>;
}

/**
 * POST /commands {clientId, requestId, op}: answers once the command is decided and applied
 * (reads too: they go through the log, so they are linearizable). A timeout is a 504 that
 * tells the client to retry with the same requestId: the command still runs at most once.
 */
export function mountCommandsApi(app: Express, d: CommandsApiDeps): void {
  app.post(
    '/commands',
    express.json({ limit: '128kb' }),
    async (req: Request, res: HttpResponse) => {
      const parsed = CommandSchema.safeParse(req.body);
      if (!parsed.success) {
        const problems = parsed.error.issues.map(
          (i) => `${i.path.join('.') || 'body'}: ${i.message}`,
        );
        res.status(400).json({ error: `invalid command: ${problems.join('; ')}` });
        return;
      }
      const command = parsed.data;
      if (!d.isReady()) {
        res.status(503).json({
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
        res.status(504).json({
          error: `command not decided within ${d.commandTimeoutMs} ms; retry with the same requestId (it runs at most once)`,
          retryable: true,
          clientId: command.clientId,
          requestId: command.requestId,
        });
        return;
      }
      timer();
      const r = o.response;
      res.json({ clientId: r.clientId, requestId: r.requestId, slot: r.slot, result: r.result });
    },
  );
  // A JSON syntax error in the body is the client's fault: a 400 naming it, never a 500.
  app.use(
    (
      err: { type?: string; message?: string },
      _req: Request,
      res: HttpResponse,
      next: (e?: unknown) => void,
    ) => {
      if (err?.type === 'entity.parse.failed') {
        res.status(400).json({ error: 'request body is not valid JSON' });
      } else if (err?.type === 'entity.too.large') {
        res.status(400).json({ error: 'request body is too large' });
      } else next(err);
    },
  );
}

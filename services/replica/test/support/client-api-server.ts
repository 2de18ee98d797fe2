import {
  clientDestination,
  opDigest,
  type Command,
  type Message,
  type Response,
} from '@paxos/shared';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Histogram, Registry } from 'prom-client';
import type { ClientApiDeps } from '../../src/service/client-hold';
import { commandsRoute } from '../../src/service/commands-api';
import {
  DEFAULT_PENDING_BOUNDS,
  PendingCommands,
  type PendingBounds,
} from '../../src/service/pending-commands';
import { sessionsRoute } from '../../src/service/sessions-api';

export type Answer = Omit<Response, 'type' | 'from'>;

/** The role's default answer: performed at slot 7 (a registration creates session 42). */
export function performed(c: Command): Answer {
  return {
    sessionId: c.sessionId,
    requestId: c.requestId,
    slot: 7,
    result:
      c.op.kind === 'register'
        ? { ok: true, value: null, sessionId: 42 }
        : { ok: true, value: null },
    opDigest: opDigest(c.op),
  };
}

export interface ServeOptions {
  ready?: boolean;
  timeoutMs?: number;
  bounds?: PendingBounds;
  /** What the stand-in role answers for a command; null: nothing (it stays pending). */
  decide?: (c: Command) => Answer | null;
}

/**
 * The client routes on a bare node:http server, as the replica service mounts them; what they
 * do not take gets a 404 (express's place). `submit` stands in for the role: it records every
 * message and answers each command on the next turn, as `decide` says.
 */
export function serveClientApi(o: ServeOptions = {}) {
  const submitted: Message[] = [];
  const errors: string[] = [];
  const decide = o.decide ?? performed;
  const submit = (m: Message): void => {
    submitted.push(m);
    if (m.type !== 'request') return;
    for (const c of m.commands) {
      const answer = decide(c);
      if (answer)
        setImmediate(() => pending.answer({ type: 'response', from: 'replica-0', ...answer }));
    }
  };
  const pending = new PendingCommands(o.bounds ?? DEFAULT_PENDING_BOUNDS, (id) =>
    submit({ type: 'withdraw', from: clientDestination(id.sessionId), ...id }),
  );
  const deps: ClientApiDeps = {
    pending,
    submit,
    isReady: () => o.ready ?? true,
    commandTimeoutMs: o.timeoutMs ?? 5_000,
    latency: new Histogram({
      name: 'x',
      help: 'x',
      labelNames: ['op'],
      registers: [new Registry()],
    }),
    countError: (code) => errors.push(code),
  };
  const commands = commandsRoute(deps);
  const sessions = sessionsRoute(deps);
  const server: Server = createServer((req, res) => {
    if (!commands(req, res) && !sessions(req, res)) res.writeHead(404).end();
  });
  return {
    server,
    submitted,
    pending,
    errors,
    requests: () => submitted.filter((m) => m.type === 'request'),
    withdrawals: () => submitted.filter((m) => m.type === 'withdraw'),
    /** Answers a submitted command as the role would. */
    answer: (a: Answer) => pending.answer({ type: 'response', from: 'replica-0', ...a }),
    /** Listens on an ephemeral port; returns the base URL. */
    listen: async (): Promise<string> => {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    close: async (): Promise<void> => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Waits until `check` holds (polling), or fails after `ms`. */
export async function eventually(check: () => boolean, ms = 5_000): Promise<void> {
  const end = performance.now() + ms;
  while (!check()) {
    if (performance.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

export { clientDestination };

import { OpSchema } from '@paxos/shared';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { FleetControlError, type FleetControl } from '../control/local-fleet-control';
import type { DashboardMetrics } from '../metrics/dashboard-metrics';
import type { FleetView } from '../view/fleet-view';
import { CommandRelayError, type CommandRelay } from './command-relay';
import type { EventStream } from './event-stream';
import { pageWithToken } from './page-with-token';
import { stateChangeGuard } from './state-change-guard';

export interface DashboardAppDeps {
  latestView: () => FleetView | null;
  stream: EventStream;
  metrics: DashboardMetrics;
  relay: CommandRelay;
  /** null outside local fleet mode: the kill and restart routes then answer 403. */
  control: FleetControl | null;
  /** The page: index.html, dashboard.js, dashboard.css. */
  publicDir: string;
  /** Every state-changing request must carry it (the served page does). */
  token: string;
  /** Origins allowed to change state besides the page's own (ALLOWED_ORIGINS). */
  allowedOrigins: ReadonlySet<string>;
}

const CommandBodySchema = z.object({ op: OpSchema });

/**
 * The page, its live feed and its actions:
 *   GET  /                         the dashboard page (no asset from outside this service),
 *                                  carrying the token the POST routes require
 *   GET  /api/view                 the latest view as JSON
 *   GET  /api/events               server-sent events, one `view` per scrape round
 *   POST /api/commands {op}        a client command through a replica
 *   POST /api/services/:name/kill|restart   local fleet mode only
 *   GET  /metrics /healthz /readyz
 * Every POST passes the state-change guard first (state-change-guard.ts): a foreign Origin,
 * a body that is not JSON or a missing token is refused before anything happens.
 */
export function createDashboardApp(d: DashboardAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  const page = pageWithToken(d.publicDir, d.token);
  const sendPage = (_req: Request, res: Response) => {
    // The token is in it: no cache keeps a copy, and no other site may frame it.
    res.set({
      'Cache-Control': 'no-store',
      'X-Frame-Options': 'DENY',
      'Content-Security-Policy': "frame-ancestors 'none'",
    });
    res.type('html').send(page);
  };
  app.get(['/', '/index.html'], sendPage);
  app.use(express.static(d.publicDir, { index: false, maxAge: 0 }));
  const guard = stateChangeGuard({ token: d.token, allowedOrigins: d.allowedOrigins });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', role: 'dashboard' });
  });
  // Ready once a first view exists, so a probe does not send users to an empty page.
  app.get('/readyz', (_req, res) => {
    const ready = d.latestView() !== null;
    res.status(ready ? 200 : 503).json({ ready, role: 'dashboard' });
  });
  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', d.metrics.registry.contentType);
    res.send(await d.metrics.registry.metrics());
  });
  app.get('/api/view', (_req, res) => {
    const view = d.latestView();
    if (view) res.json(view);
    else res.status(503).json({ error: 'the first scrape round has not finished yet' });
  });
  app.get('/api/events', (req, res) => d.stream.attach(req, res, d.latestView()));

  app.post('/api/commands', guard, express.json({ limit: '128kb' }), async (req, res) => {
    const parsed = CommandBodySchema.safeParse(req.body);
    if (!parsed.success) {
      const problems = parsed.error.issues.map(
        (i) => `${i.path.join('.') || 'body'}: ${i.message}`,
      );
      res.status(400).json({ error: `invalid command: ${problems.join('; ')}` });
      return;
    }
    try {
      res.json(await d.relay.run(parsed.data.op));
    } catch (err) {
      if (!(err instanceof CommandRelayError)) throw err;
      res.status(err.status).json({ error: err.message });
    }
  });

  app.post('/api/services/:name/:action', guard, async (req, res) => {
    const { name, action } = req.params as { name: string; action: string };
    if (action !== 'kill' && action !== 'restart') {
      res.status(404).json({ error: `unknown action ${action}; use kill or restart` });
      return;
    }
    if (!d.control) {
      res.status(403).json({
        error: 'kill and restart work only in local fleet mode (FLEET_CONTROL_FILE)',
      });
      return;
    }
    try {
      res.json(action === 'kill' ? await d.control.kill(name) : await d.control.restart(name));
    } catch (err) {
      if (err instanceof FleetControlError) res.status(err.status).json({ error: err.message });
      else res.status(500).json({ error: (err as Error).message });
    }
  });

  // A JSON syntax error in a body is the caller's fault: a 400 that says so, never a 500.
  app.use(
    (
      err: { type?: string; message?: string },
      _req: Request,
      res: Response,
      next: NextFunction,
    ) => {
      if (err?.type === 'entity.parse.failed')
        res.status(400).json({ error: 'body is not valid JSON' });
      else if (err?.type === 'entity.too.large')
        res.status(400).json({ error: 'body is too large' });
      else next(err);
    },
  );
  return app;
}

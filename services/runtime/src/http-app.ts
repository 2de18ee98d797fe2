import express, { type Express } from 'express';
import type { ConfigurationReport } from './config-report';
import type { ServiceMetrics } from './metrics';

export interface ServiceProbes {
  role: string;
  processId: string;
  isReady: () => boolean;
  /** A JSON summary of the role state and the host. */
  describe: () => object;
  metrics: ServiceMetrics;
  /** Refreshes gauges derived from role state just before a scrape. */
  beforeScrape?: () => void;
  /** The configuration as this process knows it; null while it is recovering. */
  configuration?: () => ConfigurationReport | null;
}

/** The endpoints every service has: /healthz, /readyz, /metrics, /state, /config. */
export function createServiceApp(p: ServiceProbes): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', role: p.role, processId: p.processId });
  });
  app.get('/readyz', (_req, res) => {
    const ready = p.isReady();
    res.status(ready ? 200 : 503).json({ ready, role: p.role, processId: p.processId });
  });
  app.get('/metrics', async (_req, res) => {
    p.beforeScrape?.();
    res.setHeader('Content-Type', p.metrics.registry.contentType);
    res.send(await p.metrics.registry.metrics());
  });
  app.get('/state', (_req, res) => {
    res.json({ role: p.role, processId: p.processId, ...p.describe() });
  });
  app.get('/config', (_req, res) => {
    const report = p.configuration?.() ?? null;
    if (report === null) {
      res.status(503).json({
        error: `${p.processId} is recovering: its configuration is not known yet`,
        retryable: true,
      });
      return;
    }
    res.json({ processId: p.processId, role: p.role, ...report });
  });
  return app;
}

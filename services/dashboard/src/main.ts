/**
 * The fleet dashboard: scrapes every role service (/state, /metrics) and the queue depth once
 * a second, serves a live page over server-sent events, relays client commands, and in local
 * fleet mode kills and restarts services. Settings: see config/dashboard-env.ts.
 */
import 'dotenv/config';
import { createLogger } from '@paxos/runtime';
import type { Server } from 'node:http';
import path from 'node:path';
import { loadDashboardConfig, type DashboardConfig } from './config/dashboard-env';
import { LocalFleetControl, type FleetControl } from './control/local-fleet-control';
import { CommandRelay } from './http/command-relay';
import { createDashboardApp } from './http/dashboard-app';
import { EventStream } from './http/event-stream';
import { DashboardMetrics } from './metrics/dashboard-metrics';
import { FleetPoller } from './poller/fleet-poller';
import { queueDepthReader } from './scrape/queue-depth';

const PUBLIC_DIR = path.resolve(__dirname, '..', 'public');

async function main(): Promise<void> {
  let config: DashboardConfig;
  try {
    config = loadDashboardConfig(process.env);
  } catch (err) {
    // Names the variable, never its value (the API key must not reach a log).
    console.error(`dashboard: ${(err as Error).message}`);
    process.exit(2);
  }
  const logger = createLogger('dashboard', config.logLevel);
  if (config.tokenGenerated) {
    // Not an error outside production: the page carries the token it made, so the buttons work.
    logger.warn(
      'DASHBOARD_TOKEN is unset: state-changing requests need a token made at this start, which only the served page carries',
    );
  }
  for (const warning of config.securityWarnings) {
    logger.warn({ check: 'PAXOS_PRODUCTION' }, `production mode would refuse this: ${warning}`);
  }
  if (config.clientKey === null) {
    logger.info('PAXOS_KEY is unset: commands are relayed without a client key');
  }
  const control: FleetControl | null = config.controlFile
    ? new LocalFleetControl(config.controlFile)
    : null;
  const metrics = new DashboardMetrics();
  const stream = new EventStream();
  const queue = queueDepthReader(config.dataApi, config.scrapeTimeoutMs);
  const poller = new FleetPoller({
    targets: config.targets,
    memberUrl: config.memberUrl,
    queue,
    intervalMs: config.scrapeIntervalMs,
    scrapeTimeoutMs: config.scrapeTimeoutMs,
    controllable: async () => (control ? control.controllable() : null),
    onView: (view, roundSeconds) => {
      metrics.record(view);
      metrics.scrapeRoundSeconds.observe(roundSeconds);
      stream.broadcast(view);
    },
    onError: (err) => logger.error({ err: err.message, stack: err.stack }, 'scrape round failed'),
  });
  const relay = new CommandRelay(
    () => poller.targets().filter((t) => t.role === 'replica'),
    () => poller.latest,
    10_000,
    config.clientKey,
  );
  const app = createDashboardApp({
    latestView: () => poller.latest,
    stream,
    metrics,
    relay,
    control,
    publicDir: PUBLIC_DIR,
    token: config.token,
    allowedOrigins: config.allowedOrigins,
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
  });
  poller.start();
  logger.info(
    {
      port: config.port,
      targets: config.targets.map((t) => t.name),
      memberUrl: config.memberUrl,
      dataApi: config.dataApi.baseUrl,
      localFleetMode: control !== null,
      host: config.host,
      production: config.production,
      allowedOrigins: [...config.allowedOrigins],
    },
    'dashboard listening',
  );

  const stop = async (signal: string): Promise<void> => {
    logger.info({ signal }, 'stopping');
    await poller.stop();
    stream.close();
    queue.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    process.exit(0);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => void stop(signal));
  }
}

main().catch((err: unknown) => {
  console.error('dashboard:', err);
  process.exit(1);
});

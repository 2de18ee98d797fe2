import {
  dataApiBase,
  initialConfiguration,
  productionRefusal,
  reviewSecurity,
  type ClientKey,
  type Cluster,
  type Configuration,
  type Envelope,
  type Message,
  type Role,
} from '@paxos/shared';
import type { Express } from 'express';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import {
  ConfigurationError,
  clusterFromEnv,
  parseEnv,
  ServiceEnvSchema,
  tlsFilesOf,
  type ServiceEnv,
} from './config';
import type { ConfigurationReport } from './config-report';
import { createServiceApp } from './http-app';
import { createLogger, type Logger } from './logger';
import { ServiceMetrics } from './metrics';
import { createBaselineQueuePort } from './baseline-queue-port';
import { exitCodeOf } from './failures';
import type { QueuePort } from './queue-port';
import { RoleHost } from './role-host';

/** What the acceptor, leader and replica services each add to the shared shell. */
export interface RoleServiceSpec<S, C> {
  roleName: 'acceptor' | 'leader' | 'replica';
  role: Role<S, C>;
  /** The role's configuration from its environment (throws ConfigurationError on bad input). */
  makeConfig: (env: NodeJS.ProcessEnv, common: ServiceEnv, cluster: Cluster) => C;
  describe: (state: S) => object;
  /**
   * GET /config: the configuration as this role knows it. `initial` is epoch 0, from the
   * environment (ACCEPTORS, LEADERS, REPLICAS, WINDOW_SLOTS). Without it /config answers 503.
   */
  configuration?: (state: S, initial: Configuration) => ConfigurationReport;
  /** Sets role gauges (ballot, active, slot_out) from the current state before a scrape. */
  observe?: (state: S, metrics: ServiceMetrics) => void;
  /**
   * Merges local messages that arrived together before they are stepped (the replica passes
   * coalesceRequests: client requests become one batch). Without it each is stepped as is.
   */
  coalesceLocal?: (messages: Message[]) => Message[];
  /** Adds role-specific routes; returns where messages for clients go. */
  extend?: (ctx: RoleServiceContext<S>) => RoleServiceHooks;
  /**
   * What the start-up security review needs beyond the common settings (called after
   * makeConfig): the role's own secrets, and its CLIENT_KEYS (null: none set) if it serves
   * clients.
   */
  security?: () => RoleSecurityFacts;
}

export interface RoleSecurityFacts {
  secrets?: Record<string, string | undefined>;
  clientKeys?: readonly ClientKey[] | null;
}

export interface RoleServiceHooks {
  onLocalMessage?: (e: Envelope) => void;
  /**
   * A hot route served on node:http directly, before express sees the request (the replica's
   * POST /commands: one call per client command). Returns false for requests it does not take.
   */
  fastRoute?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

export interface RoleServiceContext<S> {
  app: Express;
  env: NodeJS.ProcessEnv;
  common: ServiceEnv;
  logger: Logger;
  metrics: ServiceMetrics;
  submit: (m: Message) => void;
  isReady: () => boolean;
  currentState: () => S | undefined;
}

export interface RunningService {
  server: Server;
  stop: () => Promise<void>;
}

/**
 * Starts a role service: validates configuration (a bad setting stops it with a message
 * naming the variable, exit code 2), serves HTTP at once (health while recovering), claims
 * the epoch lease (waiting while another process holds this PROCESS_ID), recovers the role
 * from the data API (retrying only while the data API is unreachable or answers 5xx), then runs
 * it. Durable state it cannot read stops it with exit code 3 and an error naming the row and
 * field. SIGTERM finishes the step in flight, hands the lease back and exits; SIGKILL at any
 * instant is safe by construction.
 */
export interface RunOptions {
  /** Exit the process on SIGTERM/SIGINT after a graceful stop (the default for a service process). */
  installSignalHandlers?: boolean;
  /** What a fatal error does; the default exits so the supervisor restarts the process. */
  onFatal?: (err: Error) => void;
}

export async function runRoleService<S, C>(
  spec: RoleServiceSpec<S, C>,
  makeQueue: (env: NodeJS.ProcessEnv, logger: Logger) => QueuePort,
  env: NodeJS.ProcessEnv = process.env,
  options: RunOptions = {},
): Promise<RunningService> {
  let common: ServiceEnv;
  let cluster: Cluster;
  let config: C;
  let queue: QueuePort;
  let tls: { cert: Buffer; key: Buffer } | null;
  const logger = createLogger(env.PROCESS_ID ?? spec.roleName, env.LOG_LEVEL);
  try {
    common = parseEnv(ServiceEnvSchema, env);
    cluster = clusterFromEnv(common, spec.roleName);
    config = spec.makeConfig(env, common, cluster);
    const review = securityReview(env, common, spec.security?.() ?? {});
    for (const warning of review.warnings) logger.warn(`unsafe outside a test: ${warning}`);
    if (review.problems.length > 0)
      throw new ConfigurationError(productionRefusal(review.problems));
    tls = readTls(common);
    // QUEUE_MODE=baseline: the benchmark's model of the original project (tools/src/bench).
    queue =
      env.QUEUE_MODE === 'baseline' ? createBaselineQueuePort(env, logger) : makeQueue(env, logger);
  } catch (err) {
    if (
      options.onFatal === undefined &&
      (err instanceof ConfigurationError || (err as Error).name === 'ConfigError')
    ) {
      logger.fatal((err as Error).message);
      console.error(`${spec.roleName}: ${(err as Error).message}`);
      process.exit(2);
    }
    throw err;
  }
  const metrics = new ServiceMetrics(common.PROCESS_ID, spec.roleName);
  const initial = initialConfiguration(cluster, common.WINDOW_SLOTS);
  let host: RoleHost<S, C> | null = null;
  const app = createServiceApp({
    role: spec.roleName,
    processId: common.PROCESS_ID,
    metrics,
    isReady: () => host?.isReady ?? false,
    beforeScrape: () => {
      const state = host?.currentState;
      if (state !== undefined) spec.observe?.(state, metrics);
    },
    describe: () => {
      const state = host?.currentState;
      return {
        host: host?.describeHost() ?? { starting: true },
        state: state === undefined ? null : spec.describe(state),
      };
    },
    configuration: () => {
      const state = host?.isRecovered ? host.currentState : undefined;
      return state === undefined || !spec.configuration ? null : spec.configuration(state, initial);
    },
  });
  const pending: Message[] = [];
  const hooks: RoleServiceHooks =
    spec.extend?.({
      app,
      env,
      common,
      logger,
      metrics,
      submit: (m) => (host ? host.submit(m) : pending.push(m)),
      isReady: () => host?.isReady ?? false,
      currentState: () => host?.currentState,
    }) ?? {};
  const fastRoute = hooks.fastRoute;
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (!fastRoute?.(req, res)) app(req, res);
  };
  const server: Server = tls === null ? createServer(handle) : createHttpsServer(tls, handle);
  await new Promise<void>((resolve) => server.listen(common.PORT, common.HOST, resolve));
  logger.info(
    { host: common.HOST, port: common.PORT, https: tls !== null, cluster },
    `${spec.roleName} listening`,
  );

  const fatal =
    options.onFatal ??
    ((err: Error): void => {
      const exitCode = exitCodeOf(err);
      logger.fatal(
        { err: err.message, stack: err.stack, exitCode },
        'fatal; exiting so the supervisor restarts us',
      );
      console.error(`${spec.roleName}: ${err.message}`);
      process.exit(exitCode);
    });

  const candidate = new RoleHost<S, C>({
    processId: common.PROCESS_ID,
    role: spec.role,
    config,
    queue,
    logger,
    metrics,
    leaseMs: common.LEASE_MS,
    claimBatch: common.CLAIM_BATCH,
    maxAttempts: common.MAX_ATTEMPTS,
    epochLeaseMs: common.EPOCH_LEASE_MS,
    retention: {
      everyMs: common.RETENTION_EVERY_MS,
      unknownAfterMs: common.QUEUE_UNKNOWN_RETENTION_MS,
      deadLetterAfterMs: common.DEAD_LETTER_RETENTION_MS,
    },
    coalesceLocal: spec.coalesceLocal,
    onLocalMessage: hooks.onLocalMessage,
    onFatal: fatal,
  });
  // Local messages go to the host at once; it steps them once it has recovered.
  host = candidate;
  for (const m of pending.splice(0)) host.submit(m);
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await host?.stop();
    await new Promise<void>((r) => server.close(() => r()));
    server.closeAllConnections();
  };
  for (const signal of options.installSignalHandlers === false
    ? []
    : (['SIGTERM', 'SIGINT'] as const)) {
    process.once(signal, () => {
      logger.info({ signal }, 'stopping');
      void stop().then(() => process.exit(0));
    });
  }
  try {
    // Retries while the data API is unreachable; rejects only for what a retry cannot fix.
    await candidate.start();
    if (!stopped) logger.info('ready');
  } catch (err) {
    if (!stopped) fatal(err instanceof Error ? err : new Error(String(err)));
  }
  return { server, stop };
}

/**
 * The security review of a role's settings (shared/src/security/production.ts): the data API
 * key and transport for every role, plus what the role adds (the replica: ADMIN_KEY and its
 * CLIENT_KEYS). In production mode its problems stop the service.
 */
function securityReview(env: NodeJS.ProcessEnv, common: ServiceEnv, role: RoleSecurityFacts) {
  return reviewSecurity({
    production: common.PAXOS_PRODUCTION,
    secrets: { NEURELO_API_KEY: env.NEURELO_API_KEY, ...role.secrets },
    ...(role.clientKeys === undefined ? {} : { clientKeys: role.clientKeys }),
    dataApi: dataApiBase(env),
    plainHttpHosts: common.DATA_API_PLAIN_HTTP_HOSTS,
  });
}

/** The PEM certificate and key, read once at start; an unreadable file is a configuration error. */
function readTls(common: ServiceEnv): { cert: Buffer; key: Buffer } | null {
  const files = tlsFilesOf(common);
  if (files === null) return null;
  const read = (variable: string, file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new ConfigurationError(`${variable}: cannot read ${file} (${(err as Error).message})`);
    }
  };
  return { cert: read('TLS_CERT_FILE', files.certFile), key: read('TLS_KEY_FILE', files.keyFile) };
}

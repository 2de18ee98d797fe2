/**
 * The benchmark's in-memory configuration: every role service of a default fleet (3 acceptors,
 * 2 leaders, 2 replicas) in THIS process, over one MemoryQueue, each on its own HTTP port
 * (replicas serve POST /commands as usual). What it costs is the protocol, the role host and
 * HTTP to the clients: no data API, no database. Not durable; a benchmark only.
 *
 * Environment: BENCH_BASE_PORT (the fleet layout's base port), BENCH_ROLE_ENV (JSON: extra
 * environment for every role). SIGTERM stops every service and exits.
 */
import { acceptorServiceSpec } from '@paxos/acceptor/src/service/acceptor-service';
import { leaderServiceSpec } from '@paxos/leader/src/service/leader-service';
import { replicaServiceSpec } from '@paxos/replica/src/service/replica-service';
import {
  MemoryQueue,
  runRoleService,
  type RoleServiceSpec,
  type RunningService,
} from '@paxos/runtime';
import { planFleet, type ServiceSpec } from '../fleet/topology';

function specFor(kind: ServiceSpec['kind']): RoleServiceSpec<unknown, unknown> {
  const spec =
    kind === 'acceptor'
      ? acceptorServiceSpec()
      : kind === 'leader'
        ? leaderServiceSpec()
        : kind === 'replica'
          ? replicaServiceSpec()
          : null;
  if (!spec) throw new Error(`no role service for ${kind}`);
  return spec as unknown as RoleServiceSpec<unknown, unknown>;
}

async function main(): Promise<void> {
  const basePort = Number(process.env.BENCH_BASE_PORT ?? 7800);
  const roleEnv = JSON.parse(process.env.BENCH_ROLE_ENV ?? '{}') as Record<string, string>;
  // The same layout and settings as a process fleet; the data API address is never used.
  const { services } = planFleet({
    acceptors: 3,
    leaders: 2,
    replicas: 2,
    basePort,
    workDir: '.',
    neureloApiBase: 'http://127.0.0.1:9',
    neureloApiKey: 'neurelo_memory_queue_unused',
    roleEnv,
  });
  const queue = new MemoryQueue();
  const running: RunningService[] = [];
  const fatal = (err: Error): void => {
    console.error(`memory fleet: fatal: ${err.message}`);
    process.exit(1);
  };
  for (const s of services) {
    running.push(
      await runRoleService(
        specFor(s.kind),
        () => queue.port(),
        { ...process.env, ...s.env },
        {
          installSignalHandlers: false,
          onFatal: fatal,
        },
      ),
    );
  }
  console.log(`memory fleet: ${services.map((s) => `${s.name}:${s.port}`).join(' ')}`);
  process.once('SIGTERM', () => {
    void Promise.allSettled(running.map((r) => r.stop())).then(() => process.exit(0));
  });
}

main().catch((err: unknown) => {
  console.error('memory fleet:', err);
  process.exit(1);
});

import 'dotenv/config';
import { createNeureloQueuePort, runRoleService } from '@paxos/runtime';
import { Gauge } from 'prom-client';
import { describeLeader, leaderRole, type LeaderState } from './index';
import { leaderTimings } from './service/leader-env';

/** The leader service: scouts and commanders, failure detection and back-off. */
let ballotGauge: Gauge | null = null;
let activeGauge: Gauge | null = null;

void runRoleService<LeaderState, ReturnType<typeof makeConfig>>(
  {
    roleName: 'leader',
    role: leaderRole,
    makeConfig,
    describe: describeLeader,
    observe: (s) => {
      ballotGauge?.set(s.ballot.round);
      activeGauge?.set(s.active ? 1 : 0);
    },
    extend: ({ metrics }) => {
      ballotGauge = new Gauge({
        name: 'paxos_leader_ballot_round',
        help: "The round of this leader's current ballot",
        registers: [metrics.registry],
      });
      activeGauge = new Gauge({
        name: 'paxos_leader_active',
        help: '1 while this leader is active (its ballot adopted by a majority)',
        registers: [metrics.registry],
      });
      return {};
    },
  },
  createNeureloQueuePort,
);

function makeConfig(
  env: NodeJS.ProcessEnv,
  common: { PROCESS_ID: string },
  cluster: import('@paxos/shared').Cluster,
) {
  return { id: common.PROCESS_ID, cluster, ...leaderTimings(env) };
}

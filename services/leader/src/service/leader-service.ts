import type { RoleServiceSpec } from '@paxos/runtime';
import { Gauge } from 'prom-client';
import type { LeaderConfig } from '../role/config';
import { describeLeader } from '../role/describe';
import { leaderRole } from '../role/leader-role';
import type { LeaderState } from '../role/state';
import { leaderTimings } from './leader-env';

/** The leader service: scouts and commanders, failure detection and back-off. */
export function leaderServiceSpec(): RoleServiceSpec<LeaderState, LeaderConfig> {
  let ballotGauge: Gauge | null = null;
  let activeGauge: Gauge | null = null;
  return {
    roleName: 'leader',
    role: leaderRole,
    makeConfig: (env, common, cluster) => ({
      id: common.PROCESS_ID,
      cluster,
      ...leaderTimings(env),
    }),
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
  };
}

import type { RoleServiceSpec } from '@paxos/runtime';
import { Counter, Gauge } from 'prom-client';
import type { LeaderConfig } from '../role/config';
import { describeLeaderProcess } from '../role/describe';
import { leaderProcessRole, newestLeader, type LeaderProcessState } from '../role/leader-process';
import { leaderConfiguration } from './leader-configuration';
import { leaderTimings } from './leader-env';

/** The leader service: scouts and commanders, failure detection and back-off. */
export function leaderServiceSpec(): RoleServiceSpec<LeaderProcessState, LeaderConfig> {
  let ballotGauge: Gauge | null = null;
  let activeGauge: Gauge | null = null;
  let decisionsCounter: Counter | null = null;
  // The role counts decisions in its state; the counter catches up at each scrape.
  let decisionsCounted = 0;
  return {
    roleName: 'leader',
    role: leaderProcessRole,
    makeConfig: (env, common, cluster) => ({
      id: common.PROCESS_ID,
      cluster,
      ...leaderTimings(env),
      replicasLearnFromAcceptors: common.LEARN_FROM_ACCEPTORS,
    }),
    describe: describeLeaderProcess,
    configuration: leaderConfiguration,
    observe: (process) => {
      const s = newestLeader(process);
      ballotGauge?.set(s?.ballot.round ?? -1);
      activeGauge?.set(s?.active ? 1 : 0);
      let decisions = 0;
      for (const leader of process.leaders.values()) decisions += leader.counters.decisions;
      const newDecisions = decisions - decisionsCounted;
      if (newDecisions > 0) decisionsCounter?.inc(newDecisions);
      decisionsCounted = decisions;
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
      decisionsCounter = new Counter({
        name: 'paxos_leader_decisions_total',
        help: 'Slots this leader got decided (a majority accepted its proposal); rate() is decisions/s',
        registers: [metrics.registry],
      });
      return {};
    },
  };
}

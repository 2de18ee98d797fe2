import type { RoleServiceSpec } from '@paxos/runtime';
import { Gauge } from 'prom-client';
import { acceptorRole } from '../role/acceptor-role';
import { describeAcceptor } from '../role/describe';
import { acceptorConfiguration } from './acceptor-configuration';
import type { AcceptorConfig, AcceptorState } from '../role/state';

/** The acceptor service: its promises and accepted pvalues are durable before any reply. */
export function acceptorServiceSpec(): RoleServiceSpec<AcceptorState, AcceptorConfig> {
  let promisedGauge: Gauge | null = null;
  return {
    roleName: 'acceptor',
    role: acceptorRole,
    makeConfig: (_env, common, cluster) => ({
      id: common.PROCESS_ID,
      learners: common.LEARN_FROM_ACCEPTORS ? cluster.replicas : [],
    }),
    describe: describeAcceptor,
    configuration: acceptorConfiguration,
    observe: (s) =>
      promisedGauge?.set(Math.max(-1, ...[...s.promises.values()].map((b) => b.round))),
    extend: ({ metrics }) => {
      promisedGauge = new Gauge({
        name: 'paxos_acceptor_ballot_round',
        help: 'The round of the highest ballot this acceptor has promised (-1: none yet)',
        registers: [metrics.registry],
      });
      return {};
    },
  };
}

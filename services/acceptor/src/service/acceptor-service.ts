import type { RoleServiceSpec } from '@paxos/runtime';
import { acceptorRole } from '../role/acceptor-role';
import { describeAcceptor } from '../role/describe';
import type { AcceptorConfig, AcceptorState } from '../role/state';

/** The acceptor service: its promises and accepted pvalues are durable before any reply. */
export function acceptorServiceSpec(): RoleServiceSpec<AcceptorState, AcceptorConfig> {
  return {
    roleName: 'acceptor',
    role: acceptorRole,
    makeConfig: (_env, common) => ({ id: common.PROCESS_ID }),
    describe: describeAcceptor,
  };
}

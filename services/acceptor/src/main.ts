import 'dotenv/config';
import { createNeureloQueuePort, runRoleService } from '@paxos/runtime';
import { acceptorRole, describeAcceptor } from './index';

/** The acceptor service: its promises and accepted pvalues are durable before any reply. */
void runRoleService(
  {
    roleName: 'acceptor',
    role: acceptorRole,
    makeConfig: (_env, common) => ({ id: common.PROCESS_ID }),
    describe: describeAcceptor,
  },
  createNeureloQueuePort,
);

/**
 * A role service whose durable state was written by the next protocol version, run as a real
 * process by downgrade-refused.test.ts: it must refuse to start (an in-place downgrade).
 */
import { PROTOCOL_STATE_KEY, PROTOCOL_VERSION } from '@paxos/shared';
import { MemoryQueue } from '../../src/memory-queue-port';
import { runRoleService } from '../../src/service-main';
import { probeRole } from './shell-harness';

const queue = new MemoryQueue();
queue.durable.set(
  'acceptor-0',
  new Map([
    ['seen:1', { slot: 1, value: 1 }],
    [PROTOCOL_STATE_KEY, { slot: null, value: PROTOCOL_VERSION + 1 }],
  ]),
);

void runRoleService(
  {
    roleName: 'acceptor',
    role: probeRole,
    makeConfig: () => null,
    describe: () => ({}),
  },
  () => queue.port(50),
  { PROCESS_ID: 'acceptor-0', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent' },
  { installSignalHandlers: false },
);

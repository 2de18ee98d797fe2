/**
 * A role service whose durable state holds a corrupt row, run as a real process by
 * service-main.test.ts: it must exit with code 3 and name the row and field.
 */
import { MemoryQueue } from '../../src/memory-queue-port';
import { runRoleService } from '../../src/service-main';
import { corruptRole } from './shell-harness';

const queue = new MemoryQueue();
queue.durable.set('acceptor-0', new Map([['ballot', { slot: null, value: { round: 'three' } }]]));

void runRoleService(
  {
    roleName: 'acceptor',
    role: corruptRole,
    makeConfig: () => null,
    describe: () => ({}),
  },
  () => queue.port(50),
  { PROCESS_ID: 'acceptor-0', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent' },
  { installSignalHandlers: false },
);

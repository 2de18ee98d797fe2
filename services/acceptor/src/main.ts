import 'dotenv/config';
import { createNeureloQueuePort, runRoleService } from '@paxos/runtime';
import { acceptorServiceSpec } from './service/acceptor-service';

void runRoleService(acceptorServiceSpec(), createNeureloQueuePort);

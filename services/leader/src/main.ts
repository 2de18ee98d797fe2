import 'dotenv/config';
import { createNeureloQueuePort, runRoleService } from '@paxos/runtime';
import { leaderServiceSpec } from './service/leader-service';

void runRoleService(leaderServiceSpec(), createNeureloQueuePort);

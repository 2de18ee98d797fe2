import 'dotenv/config';
import { createNeureloQueuePort, runRoleService } from '@paxos/runtime';
import { replicaServiceSpec } from './service/replica-service';

void runRoleService(replicaServiceSpec(), createNeureloQueuePort);

import type { Message } from '@paxos/shared';
import type { FaultAction } from '../faults/fault-plan';

/** Everything that can happen at a simulated instant. */
export type SimEvent =
  | { kind: 'deliver'; from: string; to: string; message: Message }
  | { kind: 'tick'; processId: string; token: number }
  | { kind: 'fault'; action: FaultAction }
  | { kind: 'heal' }
  | { kind: 'client-issue'; clientId: string }
  | { kind: 'client-retry'; clientId: string; requestId: string; attempt: number };

import type { Message, PersistOp } from '@paxos/shared';
import type { FaultAction } from '../faults/fault-plan';

/** Everything that can happen at a simulated instant. */
export type SimEvent =
  | { kind: 'deliver'; from: string; to: string; message: Message }
  | { kind: 'tick'; processId: string; token: number }
  /** A step's persistLater writes landing, unless the process has crashed since (`life`). */
  | { kind: 'persist-later'; processId: string; life: number; ops: PersistOp[] }
  | { kind: 'fault'; action: FaultAction }
  | { kind: 'heal' }
  | { kind: 'client-issue'; clientId: string }
  | { kind: 'client-retry'; clientId: string; requestId: string; attempt: number };

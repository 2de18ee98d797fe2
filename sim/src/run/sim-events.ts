import type { Message } from '@paxos/shared';
import type { ClientTimer } from '../clients/client-step';
import type { FaultAction } from '../faults/fault-plan';
import type { OperatorTimer } from '../reconfiguration/operator';

/** Everything that can happen at a simulated instant. */
export type SimEvent =
  /** `payload`: the queued row's text (the message is it parsed); none if it skipped the queue. */
  | { kind: 'deliver'; from: string; to: string; message: Message; payload?: string | undefined }
  | { kind: 'tick'; processId: string; token: number }
  /**
   * A shell's background commits (persistLater writes) landing up to `writeSeq`, unless the
   * process has crashed since (`life`).
   */
  | { kind: 'persist-later'; processId: string; life: number; writeSeq: number }
  | { kind: 'fault'; action: FaultAction }
  | { kind: 'heal' }
  /** A client's timer: issue the next operation, retry one, resend a probe. */
  | { kind: 'client-timer'; clientId: string; timer: ClientTimer }
  /** The reconfiguration operator's timer: begin a step, retry a request, look again. */
  | { kind: 'operator-timer'; timer: OperatorTimer };

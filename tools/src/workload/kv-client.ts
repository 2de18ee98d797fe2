import type { KeyOp, OpResult } from '@paxos/shared';
import type { Dispatcher } from 'undici';
import { SessionClient, type CommandAnswer } from './session-client';

/**
 * One operation as the linearizability checker reads it (Porcupine's field names). A process
 * is a session: `clientId` is `s<sessionId>`.
 */
export interface RecordedOperation {
  clientId: string;
  input: KeyOp;
  call: number;
  output: OpResult | null;
  return: number | null;
}

export interface KvClientOptions {
  /** Replica URLs; the client starts on `firstReplica` and moves to the next on failure. */
  replicaUrls: string[];
  firstReplica?: number;
  /** Picks the replica of each new command (SessionClientOptions.pickReplica). */
  pickReplica?: () => number;
  /** Give up on one command after this long (it stays "unknown" in the history). */
  commandDeadlineMs: number;
  attemptTimeoutMs: number;
  /** The clock of the history's call and return times. */
  clock: () => number;
  dispatcher?: Dispatcher;
  /** The replicas' client key (SessionClientOptions.clientKey). */
  clientKey?: string;
}

/** The tool sent a command the replicas refuse: a bug in the tool, not an outcome. */
export class CommandRefusedError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'CommandRefusedError';
  }
}

export interface KvRun {
  /** null: no answer (unknown outcome), or refused for the key-value quota (nothing ran). */
  result: OpResult | null;
  latencyMs: number;
  answer: CommandAnswer | null;
}

/**
 * A closed-loop key-value client (one command in flight) that records its history. It
 * registers a session on its first command, and again after its session is found gone; a
 * command whose outcome is unknown stays unanswered in the history.
 */
export class KvClient {
  readonly history: RecordedOperation[] = [];
  readonly session: SessionClient;

  constructor(private readonly o: KvClientOptions) {
    this.session = new SessionClient(o);
  }

  async run(op: KeyOp): Promise<KvRun> {
    const registeringAt = this.o.clock();
    const sessionId = await this.session.ensureSession();
    // Nothing was sent: the command is not part of the history.
    if (sessionId === null)
      return { result: null, latencyMs: this.o.clock() - registeringAt, answer: null };
    const requestId = this.session.nextRequestId();
    const record: RecordedOperation = {
      clientId: `s${sessionId}`,
      input: op,
      call: this.o.clock(),
      output: null,
      return: null,
    };
    this.history.push(record);
    const answer = await this.session.submit(sessionId, requestId, op);
    const returnedAt = this.o.clock();
    if (answer.kind === 'ok') {
      record.output = answer.result;
      record.return = returnedAt;
      return { result: answer.result, latencyMs: returnedAt - record.call, answer };
    }
    if (answer.kind === 'refused') {
      // Refused commands did not run; they leave the history.
      this.history.splice(this.history.indexOf(record), 1);
      if (answer.code !== 'kv-quota-exceeded') {
        throw new CommandRefusedError(
          answer.status,
          answer.code,
          `a replica refused ${op.kind} ${op.key}: ${answer.status} ${answer.code} ${answer.error}`,
        );
      }
    }
    return { result: null, latencyMs: returnedAt - record.call, answer };
  }
}

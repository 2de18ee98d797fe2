import {
  applyPersist,
  defaultCluster,
  type Batch,
  type Command,
  type DurableEntry,
  type Message,
  type Op,
  type StepResult,
  type PersistOp,
} from '@paxos/shared';
import { replicaRole, type ReplicaConfig, type ReplicaState } from '@paxos/replica';

export const cluster = defaultCluster(3, 2, 2);

export function replicaConfig(overrides: Partial<ReplicaConfig> = {}): ReplicaConfig {
  return {
    id: 'replica-0',
    cluster,
    windowSlots: 4,
    batchMaxCommands: 2,
    retryMs: 100,
    snapshotEverySlots: 1000,
    // PMMC's plain window unless a test limits proposals in flight.
    proposalsInFlightMax: 1000,
    ...overrides,
  };
}

export const put = (key: string, value: string): Op => ({ kind: 'put', key, value });
export const get = (key: string): Op => ({ kind: 'get', key });

export const command = (
  requestId: string,
  op: Op = put('k', requestId),
  clientId = 'client-1',
): Command => ({
  clientId,
  requestId,
  op,
});

export const request = (...commands: Command[]): Message => ({
  type: 'request',
  from: commands[0]?.clientId ?? 'client-1',
  commands,
});

export const decision = (slot: number, value: Batch, from = 'leader-0'): Message => ({
  type: 'decision',
  from,
  slot,
  value,
});

export const batch = (batchId: string, ...commands: Command[]): Batch => ({ batchId, commands });

export { sentOf } from '@paxos/shared';

/** A replica driven by hand, keeping its durable map as a runner would. */
export class ReplicaHarness {
  durable = new Map<string, DurableEntry>();
  state: ReplicaState;
  last: StepResult<ReplicaState>;
  now = 0;

  constructor(
    readonly config: ReplicaConfig = replicaConfig(),
    durable?: Map<string, DurableEntry>,
  ) {
    if (durable) this.durable = durable;
    this.last = replicaRole.recover(config, this.durable, this.now);
    this.state = this.last.state;
    this.durable = applyPersist(this.durable, allWrites(this.last));
  }

  private take(result: StepResult<ReplicaState>): StepResult<ReplicaState> {
    this.last = result;
    this.state = result.state;
    this.durable = applyPersist(this.durable, allWrites(result));
    return result;
  }

  step(message: Message): StepResult<ReplicaState> {
    return this.take(replicaRole.step(this.state, message, this.now));
  }

  tick(at: number): StepResult<ReplicaState> {
    this.now = at;
    return this.take(replicaRole.tick(this.state, at));
  }

  restart(): ReplicaHarness {
    return new ReplicaHarness(this.config, this.durable);
  }

  /** The batch this replica proposed at `slot` (it must have). */
  proposalAt(slot: number): Batch {
    const proposal = this.state.proposals.get(slot);
    if (!proposal) throw new Error(`no proposal at slot ${slot}`);
    return proposal;
  }
}

/** A step's writes, `persistLater` included: the harness makes them durable at once. */
function allWrites(result: StepResult<ReplicaState>): PersistOp[] {
  return [...result.persist, ...(result.persistLater ?? [])];
}

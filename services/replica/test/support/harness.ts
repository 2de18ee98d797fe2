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
import { snapshotWrites } from '../../src/role/snapshot';
import { newReplicaState } from '../../src/role/state';

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
export const del = (key: string): Op => ({ kind: 'delete', key });
export const cas = (key: string, expected: string | null, value: string): Op => ({
  kind: 'cas',
  key,
  expected,
  value,
});

/** Sessions every harness starts with (registered "before slot 1": registrationSlotOf is 0). */
export const SEEDED_SESSIONS = [1, 2, 3];

export const command = (
  requestId: number,
  op: Op = put('k', `${requestId}`),
  sessionId = 1,
): Command => ({
  sessionId,
  requestId,
  op,
});

export const register = (requestId: number): Command => ({
  sessionId: 0,
  requestId,
  op: { kind: 'register' },
});

export const request = (...commands: Command[]): Message => ({
  type: 'request',
  from: `client:${commands[0]?.sessionId ?? 1}`,
  commands,
});

export const withdraw = (requestId: number, sessionId = 1): Message => ({
  type: 'withdraw',
  from: `client:${sessionId}`,
  sessionId,
  requestId,
});

/**
 * A durable state holding only a snapshot at slotOut 1 whose session table has `sessionIds`
 * (as though registered before the log began), so tests can send commands at once.
 */
export function seededDurable(
  config: ReplicaConfig,
  sessionIds: readonly number[] = SEEDED_SESSIONS,
): Map<string, DurableEntry> {
  const state = newReplicaState(config);
  for (const id of sessionIds) {
    state.sessions.set(id, { id, lastActiveSlot: 0, floor: 0, answers: new Map() });
  }
  return applyPersist(new Map(), snapshotWrites(state));
}

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
    this.durable = durable ?? seededDurable(config);
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

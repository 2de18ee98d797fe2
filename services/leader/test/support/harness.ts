import {
  applyPersist,
  defaultCluster,
  type Ballot,
  type Batch,
  type DurableEntry,
  type Message,
  type PValue,
  type StepResult,
} from '@paxos/shared';
import { leaderRole, type LeaderConfig, type LeaderState } from '@paxos/leader';

export const cluster = defaultCluster(3, 2, 2);

export function leaderConfig(overrides: Partial<LeaderConfig> = {}): LeaderConfig {
  return {
    id: 'leader-0',
    cluster,
    retransmitMs: 100,
    heartbeatMs: 50,
    leaderTimeoutMs: 200,
    backoffMaxMs: 400,
    ...overrides,
  };
}

export const ballot = (round: number, leaderId = 'leader-0'): Ballot => ({ round, leaderId });
export const batch = (batchId: string): Batch => ({ batchId, commands: [] });
export const pvalue = (b: Ballot, slot: number, batchId: string): PValue => ({
  ballot: b,
  slot,
  value: batch(batchId),
});

/** A whole phase-1 reply, as acceptors sent before replies were paged (no coversFrom). */
export const p1b = (from: string, b: Ballot, accepted: PValue[] = []): Message => ({
  type: 'p1b',
  from,
  ballot: b,
  accepted,
  collectedBelow: 1,
  coversBefore: null,
});

/** One page of a phase-1 reply: it covers [coversFrom, coversBefore) of `from`'s slots. */
export const p1bPage = (
  from: string,
  b: Ballot,
  coversFrom: number,
  coversBefore: number | null,
  accepted: PValue[] = [],
  collectedBelow = 1,
): Message => ({
  type: 'p1b',
  from,
  ballot: b,
  accepted,
  collectedBelow,
  coversFrom,
  coversBefore,
});
export const p2b = (from: string, b: Ballot, slot: number): Message => ({
  type: 'p2b',
  from,
  ballot: b,
  slot,
});
export const propose = (slot: number, batchId: string, from = 'replica-0'): Message => ({
  type: 'propose',
  from,
  slot,
  value: batch(batchId),
});
export const heartbeat = (from: string, b: Ballot, active = true): Message => ({
  type: 'heartbeat',
  from,
  ballot: b,
  active,
});

export { sentOf } from '@paxos/shared';

/** A leader driven by hand, keeping its durable map as a runner would. */
export class LeaderHarness {
  durable: Map<string, DurableEntry>;
  state: LeaderState;
  last: StepResult<LeaderState>;

  constructor(
    readonly config: LeaderConfig = leaderConfig(),
    durable = new Map<string, DurableEntry>(),
    public now = 0,
  ) {
    this.last = leaderRole.recover(config, durable, now);
    this.state = this.last.state;
    this.durable = applyPersist(durable, this.last.persist);
  }

  private take(result: StepResult<LeaderState>): StepResult<LeaderState> {
    this.last = result;
    this.state = result.state;
    this.durable = applyPersist(this.durable, result.persist);
    return result;
  }

  step(message: Message): StepResult<LeaderState> {
    return this.take(leaderRole.step(this.state, message, this.now));
  }

  steps(...messages: Message[]): StepResult<LeaderState> {
    let result = this.last;
    for (const message of messages) result = this.step(message);
    return result;
  }

  tick(at: number): StepResult<LeaderState> {
    this.now = at;
    return this.take(leaderRole.tick(this.state, at));
  }

  /** Leader-0 of a fresh cluster, adopted at round 0 by acceptors 0 and 1. */
  static active(overrides: Partial<LeaderConfig> = {}): LeaderHarness {
    const leader = new LeaderHarness(leaderConfig(overrides));
    leader.steps(p1b('acceptor-0', ballot(0)), p1b('acceptor-1', ballot(0)));
    if (!leader.state.active) throw new Error('harness leader failed to become active');
    return leader;
  }
}

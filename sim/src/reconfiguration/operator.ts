import {
  clientDestination,
  majorityOf,
  type ConfigEntry,
  type Envelope,
  type Members,
  type ReconfigureCommand,
  type Response,
} from '@paxos/shared';
import { violated } from '../checkers/violation';
import { randomRequestNumber } from '../clients/sim-client';
import type { MemberRole } from '../cluster/sim-cluster';
import type { Prng } from '../random/prng';
import { memberChange, type MemberChange } from './member-change';
import { describeStep, type PlanStep, type ReconfigurationPlan } from './plan';

/** The operator's network name: it reaches replicas as an admin HTTP client does. */
export const OPERATOR_ID = 'operator';

/** An admin request without an answer is sent again (to some replica) after this long. */
const RETRY_MS = 300;
/** How often the operator looks at the fleet while it waits for a change to settle. */
const POLL_MS = 10;

/** What the operator may observe of the fleet: what `GET /config` and `/state` would show. */
export interface OperatorView {
  /** The newest configuration the decided log made (the replicas' `GET /config`). */
  newestConfig(): ConfigEntry;
  /** The highest slotOut a replica reached (durable). */
  slotOutOf(replicaId: string): number;
  /** The highest horizon the leaders of configuration `epoch` reached. */
  horizonOfEpoch(epoch: number): number;
  /** The highest horizon acted on anywhere. */
  highestHorizon(): number;
}

export type OperatorTimer =
  | { kind: 'begin' }
  | { kind: 'retry'; attempt: number }
  | { kind: 'poll' }
  | { kind: 'outage-end'; replicaId: string };

/** What the operator does in one go; the simulation carries it out. */
export interface OperatorStep {
  sends: Envelope[];
  timers: Array<{ atMs: number; timer: OperatorTimer }>;
  notes: string[];
  /** New members to start (empty durable state, the initial configuration's role config). */
  start: Array<{ kind: MemberRole; id: string; joinFrom: string[] }>;
  /** Members that left: stopped for good. */
  stop: string[];
  /** A replica taken down for an outage, and brought back. */
  crash: string[];
  restart: string[];
  /** The replicas clients send to from now on (null: unchanged). */
  clientReplicas: string[] | null;
}

const emptyStep = (): OperatorStep => ({
  sends: [],
  timers: [],
  notes: [],
  start: [],
  stop: [],
  crash: [],
  restart: [],
  clientReplicas: null,
});

type Phase =
  | { kind: 'idle' }
  | { kind: 'submitting'; change: MemberChange; openRequests: Set<number> }
  | { kind: 'settling'; change: MemberChange; epoch: number; startSlot: number }
  | { kind: 'outage'; replicaId: string }
  | { kind: 'done' };

export interface OperatorStats {
  scenario: string;
  /** Reconfigurations whose configuration came into force and whose leavers were stopped. */
  completed: number;
  stopped: number;
  /** Replica outages (the replica came back); collections while it was down are counted by the simulation. */
  outages: number;
}

/**
 * An operator working through a reconfiguration plan (plan.ts), one change at a time, like
 * `npm run fleet -- replace <member>`: start the new member, submit the reconfiguration (session
 * 0, a random request number, op `reconfigure`) to a replica of the configuration in force and
 * wait for its answer (retrying through another replica), wait until the new configuration is
 * in force (a majority of its replicas applied its first slot), the old one's slots are
 * collected (its leaders' horizon passed that slot) and the staying replicas hold what was
 * collected, then stop the members that left, for good. Like a client it lives in the
 * simulator and never crashes; unlike one it may look at the fleet's state.
 */
export class Operator {
  private phase: Phase = { kind: 'idle' };
  private next = 0;
  private attempt = 0;
  private readonly counts: Record<MemberRole, number>;
  readonly stats: OperatorStats;

  constructor(
    private readonly plan: ReconfigurationPlan,
    private readonly initial: Members,
    private readonly view: OperatorView,
    private readonly rng: Prng,
  ) {
    this.counts = {
      acceptor: initial.acceptors.length,
      leader: initial.leaders.length,
      replica: initial.replicas.length,
    };
    this.stats = { scenario: plan.scenario, completed: 0, stopped: 0, outages: 0 };
  }

  get done(): boolean {
    return this.phase.kind === 'done';
  }

  /** Is an answer for (session 0, requestId) the operator's? */
  owns(requestId: number): boolean {
    return this.phase.kind === 'submitting' && this.phase.openRequests.has(requestId);
  }

  /** Where the plan stands, for a liveness failure. */
  describe(): string {
    const step = this.plan.steps[this.next - 1];
    const what = step ? `step ${this.next}/${this.plan.steps.length} (${describeStep(step)})` : '';
    switch (this.phase.kind) {
      case 'idle':
        return `${this.plan.scenario}: before step ${this.next + 1}`;
      case 'submitting':
        return `${this.plan.scenario}: ${what}: no answer to the reconfiguration yet`;
      case 'settling':
        return (
          `${this.plan.scenario}: ${what}: epoch ${this.phase.epoch} from slot ` +
          `${this.phase.startSlot} not settled (horizon ${this.view.horizonOfEpoch(this.phase.epoch)})`
        );
      case 'outage':
        return `${this.plan.scenario}: ${what}: ${this.phase.replicaId} down`;
      case 'done':
        return `${this.plan.scenario}: done`;
    }
  }

  /** The first timer: the plan begins at its start time. */
  begin(): OperatorStep {
    const step = emptyStep();
    step.timers.push({ atMs: this.plan.firstAtMs, timer: { kind: 'begin' } });
    return step;
  }

  onTimer(nowMs: number, timer: OperatorTimer): OperatorStep {
    const step = emptyStep();
    switch (timer.kind) {
      case 'begin':
        if (this.phase.kind === 'idle') this.beginStep(nowMs, step);
        break;
      case 'retry':
        if (this.phase.kind === 'submitting' && timer.attempt === this.attempt) {
          this.submit(nowMs, this.phase.change, this.phase.openRequests, step);
        }
        break;
      case 'poll':
        if (this.phase.kind === 'settling') this.settle(nowMs, step);
        break;
      case 'outage-end':
        if (this.phase.kind === 'outage' && this.phase.replicaId === timer.replicaId) {
          step.restart.push(timer.replicaId);
          step.notes.push(`operator: ${timer.replicaId} comes back after its outage`);
          this.stats.outages++;
          this.finishStep(nowMs, step);
        }
        break;
    }
    return step;
  }

  onResponse(nowMs: number, response: Response): OperatorStep {
    const step = emptyStep();
    const phase = this.phase;
    if (phase.kind !== 'submitting' || !phase.openRequests.has(response.requestId)) return step;
    const { result } = response;
    if (result.refused === 'reconfiguration-invalid') {
      violated('config', `the operator's reconfiguration was refused as invalid: ${result.value}`);
    }
    if (result.refused === 'reconfiguration-pending' || result.config === undefined) {
      // An earlier attempt of ours may be the pending one: asking again answers with it.
      step.notes.push(`operator: reconfiguration refused (${result.refused}): asks again later`);
      return step;
    }
    const { epoch, startSlot } = result.config;
    this.phase = { kind: 'settling', change: phase.change, epoch, startSlot };
    this.attempt++;
    step.notes.push(
      `operator: epoch ${epoch} decided at slot ${response.slot}, from slot ${startSlot}`,
    );
    // Leaving replicas take no new clients (they serve the ones they have until it is in
    // force, then answer 503); joining ones do, and hold them until they serve.
    step.clientReplicas = [...phase.change.target.replicas];
    step.timers.push({ atMs: nowMs + POLL_MS, timer: { kind: 'poll' } });
    return step;
  }

  private beginStep(nowMs: number, step: OperatorStep): void {
    const planned = this.plan.steps[this.next];
    this.next++;
    if (planned === undefined) {
      this.phase = { kind: 'done' };
      step.notes.push(`operator: plan ${this.plan.scenario} done`);
      return;
    }
    const newest = this.view.newestConfig();
    if (planned.kind === 'outage') return this.beginOutage(nowMs, planned, newest, step);
    const change = memberChange(newest.config, planned, this.initial, this.rng, (kind) =>
      this.newId(kind),
    );
    if (change === null) {
      step.notes.push(`operator: cannot ${describeStep(planned)} now: skipped`);
      return this.finishStep(nowMs, step);
    }
    step.notes.push(
      `operator: ${describeStep(planned)}: ${change.joining.map((m) => `+${m.id}`).join(' ')} ` +
        `${change.leaving.map((id) => `-${id}`).join(' ')}`,
    );
    for (const member of change.joining) {
      step.start.push({ ...member, joinFrom: [...newest.config.replicas] });
    }
    const openRequests = new Set<number>();
    this.phase = { kind: 'submitting', change, openRequests };
    this.submit(nowMs, change, openRequests, step);
  }

  private beginOutage(
    nowMs: number,
    planned: Extract<PlanStep, { kind: 'outage' }>,
    newest: ConfigEntry,
    step: OperatorStep,
  ): void {
    const replicas = newest.config.replicas;
    if (replicas.length < 3) {
      step.notes.push(
        `operator: an outage with ${replicas.length} replicas stops collection: skipped`,
      );
      return this.finishStep(nowMs, step);
    }
    const replicaId = this.rng.pick(replicas);
    this.phase = { kind: 'outage', replicaId };
    step.crash.push(replicaId);
    step.notes.push(`operator: ${replicaId} goes down for ${planned.downMs} ms`);
    step.timers.push({ atMs: nowMs + planned.downMs, timer: { kind: 'outage-end', replicaId } });
  }

  /** One attempt: a new request number (like a new POST), to a replica of the newest configuration. */
  private submit(
    nowMs: number,
    change: MemberChange,
    openRequests: Set<number>,
    step: OperatorStep,
  ): void {
    const requestId = randomRequestNumber(this.rng);
    openRequests.add(requestId);
    this.attempt++;
    const command: ReconfigureCommand = {
      sessionId: 0,
      requestId,
      op: { kind: 'reconfigure', ...change.target },
    };
    const to = this.rng.pick(this.view.newestConfig().config.replicas);
    step.sends.push({
      to,
      message: { type: 'request', from: clientDestination(0), commands: [command] },
    });
    step.timers.push({ atMs: nowMs + RETRY_MS, timer: { kind: 'retry', attempt: this.attempt } });
  }

  /**
   * In force (a majority of its replicas applied its first slot), collected (its leaders'
   * horizon passed its first slot: nothing of the old configuration is needed) and kept (the
   * staying replicas hold every collected slot, as gc-checker.ts requires): then the leavers go.
   */
  private settle(nowMs: number, step: OperatorStep): void {
    const phase = this.phase;
    if (phase.kind !== 'settling') return;
    const { target, leaving } = phase.change;
    const applied = (id: string) => this.view.slotOutOf(id) >= phase.startSlot;
    const inForce = target.replicas.filter(applied).length >= majorityOf(target.replicas.length);
    const collected = this.view.horizonOfEpoch(phase.epoch) >= phase.startSlot;
    const horizon = this.view.highestHorizon();
    const holders = target.replicas.filter((id) => this.view.slotOutOf(id) >= horizon).length;
    const kept = holders >= majorityOf(target.replicas.length);
    if (!(inForce && collected && kept)) {
      step.timers.push({ atMs: nowMs + POLL_MS, timer: { kind: 'poll' } });
      return;
    }
    step.stop.push(...leaving);
    step.clientReplicas = [...target.replicas];
    this.stats.completed++;
    this.stats.stopped += leaving.length;
    step.notes.push(
      `operator: epoch ${phase.epoch} in force and collected` +
        (leaving.length > 0 ? `: ${leaving.join(', ')} stopped for good` : ''),
    );
    this.finishStep(nowMs, step);
  }

  private finishStep(nowMs: number, step: OperatorStep): void {
    this.phase = { kind: 'idle' };
    const { min, max } = this.plan.pauseMs;
    step.timers.push({ atMs: nowMs + this.rng.intBetween(min, max), timer: { kind: 'begin' } });
  }

  private newId(kind: MemberRole): string {
    return `${kind}-${this.counts[kind]++}`;
  }
}

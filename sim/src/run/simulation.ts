import {
  applyPersist,
  type DurableState,
  type Envelope,
  type Message,
  type StepResult,
} from '@paxos/shared';
import { InvariantViolation } from '../checkers/violation';
import { ClusterCheckers } from '../checkers/cluster-checkers';
import { SimClient, type ClientFollowUp } from '../clients/sim-client';
import {
  buildCluster,
  REAL_ROLES,
  SIM_REPLICA_TIMINGS,
  type AnyProcess,
  type SimCluster,
  type SimRoles,
} from '../cluster/sim-cluster';
import type { SimProcess } from '../cluster/sim-process';
import { EventQueue } from '../events/event-queue';
import { planFaults, type FaultAction } from '../faults/fault-plan';
import { drawFaultProfile, type FaultProfile } from '../faults/fault-profile';
import { Network } from '../network/network';
import { acceptorView, leaderView, replicaView } from '../observe/role-views';
import { Prng } from '../random/prng';
import { describeMessage } from '../trace/describe-message';
import { TraceDigest } from '../trace/trace-digest';
import { runFinalChecks } from './final-checks';
import type { SimEvent } from './sim-events';
import type { SimOptions } from './sim-options';
import { emptyStats, type SimResult, type SimStats } from './sim-result';

/** What a role is asked to do: handle a message, fire its timers, or come back from disk. */
type StepInput =
  | { kind: 'message'; message: Message }
  | { kind: 'tick' }
  | { kind: 'recover'; durable: DurableState };

/** A role threw: a broken assertion inside the role is a bug the run found. */
class RoleThrew extends Error {}

/**
 * One seeded run of a whole cluster: the fault phase, the heal, then running until every
 * client has its answers and the replicas agree (or the deadline passes). Every step of every
 * process is checked as it happens; the end-of-run checks follow. Nothing in here reads a
 * clock or Math.random: the seed alone decides the run.
 */
export class Simulation {
  private nowMs = 0;
  private readonly queue = new EventQueue<SimEvent>();
  private readonly digest = new TraceDigest();
  private readonly network: Network;
  private readonly cluster: SimCluster;
  private readonly clients = new Map<string, SimClient>();
  private readonly checkers: ClusterCheckers;
  private readonly faultRng: Prng;
  /** How long persistLater writes take to land (a crash in between loses them). */
  private readonly laterRng: Prng;
  private readonly profile: FaultProfile;
  private healed = false;
  private readonly stats: SimStats = emptyStats();

  constructor(
    readonly seed: number,
    private readonly options: SimOptions,
    private readonly log: ((line: string) => void) | null = null,
    roles: SimRoles = REAL_ROLES,
  ) {
    const rng = new Prng(seed);
    this.faultRng = rng.fork('faults');
    this.laterRng = rng.fork('persist-later');
    this.profile = drawFaultProfile(this.faultRng, options);
    this.network = new Network(rng.fork('network'), this.profile.linkFaults, options.linkTiming);
    this.cluster = buildCluster(options, roles, seed);
    this.cluster.clients.forEach((id, index) => {
      const client = new SimClient(
        id,
        index,
        rng.fork(`client-${index}`),
        this.cluster.cluster.replicas,
        options.opsPerClient,
        options.keyCount,
        options.client,
      );
      this.clients.set(id, client);
    });
    this.checkers = new ClusterCheckers({
      acceptors: this.cluster.cluster.acceptors,
      replicas: this.cluster.cluster.replicas,
      windowSlots: SIM_REPLICA_TIMINGS.windowSlots,
      replicaFullCheckEverySteps: options.replicaFullCheckEverySteps,
    });
  }

  run(): SimResult {
    let violation: InvariantViolation | null = null;
    try {
      this.start();
      this.loop();
      this.stats.endMs = this.nowMs;
      const { linearizabilityUnknown } = runFinalChecks({
        replicas: this.cluster.replicas,
        clients: [...this.clients.values()],
        checkers: this.checkers,
      });
      this.stats.linearizabilityUnknown = linearizabilityUnknown;
    } catch (err) {
      if (err instanceof InvariantViolation) violation = err;
      else if (err instanceof RoleThrew)
        violation = new InvariantViolation('role-crash', err.message);
      else throw err;
    }
    this.stats.endMs = this.nowMs;
    this.stats.events = this.digest.eventCount;
    const history = [...this.clients.values()].flatMap((c) => c.history);
    this.stats.commands = history.length;
    this.stats.answered = history.filter((op) => op.output !== null).length;
    this.stats.slotOut = Math.max(0, ...this.cluster.replicas.map((r) => r.state?.slotOut ?? 0));
    this.stats.collectedBelow = this.checkers.gc.highestCollected;
    for (const r of this.cluster.replicas) {
      this.stats.decisionsLearned += r.state?.counters.decisionsLearned ?? 0;
    }
    if (violation !== null) this.trace(`VIOLATION ${violation.message}`);
    return {
      seed: this.seed,
      volatileAcceptors: this.options.volatileAcceptors,
      violation,
      violationAtMs: violation === null ? null : this.nowMs,
      digest: this.digest.hex(),
      stats: this.stats,
      history,
    };
  }

  private start(): void {
    for (const p of this.cluster.byId.values()) {
      this.trace(`START ${p.id}`);
      this.advance(p, { kind: 'recover', durable: p.durable });
    }
    const plan = planFaults(this.faultRng, {
      ...this.cluster.cluster,
      clients: this.cluster.clients,
      faultPhaseMs: this.options.faultPhaseMs,
      crashes: this.profile.crashes,
      partitions: this.profile.partitions,
    });
    for (const action of plan) this.queue.schedule(action.atMs, { kind: 'fault', action });
    this.queue.schedule(this.options.faultPhaseMs, { kind: 'heal' });
    for (const clientId of this.clients.keys()) {
      const atMs = this.faultRng.intBetween(0, this.options.client.startSpreadMs);
      this.queue.schedule(atMs, { kind: 'client-issue', clientId });
    }
  }

  private loop(): void {
    const deadlineMs = this.options.faultPhaseMs + this.options.settleDeadlineMs;
    while (true) {
      const next = this.queue.pop();
      if (next === null || next.atMs > deadlineMs) return;
      this.nowMs = next.atMs;
      this.handle(next.event);
      if (this.healed && this.settled()) return;
    }
  }

  /** Every client has all its answers and every replica applied every decided slot. */
  private settled(): boolean {
    for (const client of this.clients.values()) if (!client.finished) return false;
    const target = this.checkers.decisions.highestSlot + 1;
    return this.cluster.replicas.every((r) => r.state !== null && r.state.slotOut === target);
  }

  private handle(event: SimEvent): void {
    switch (event.kind) {
      case 'deliver':
        return this.deliver(event.from, event.to, event.message);
      case 'tick': {
        const p = this.processOf(event.processId);
        if (!p.up || p.tickToken !== event.token) return;
        p.tickAtMs = null;
        this.trace(`tick ${p.id}`);
        return this.advance(p, { kind: 'tick' });
      }
      case 'persist-later': {
        const p = this.processOf(event.processId);
        if (p.life !== event.life) return this.trace(`${p.id} crashed: its later writes are lost`);
        p.durable = applyPersist(p.durable, event.ops);
        return;
      }
      case 'fault':
        return this.applyFault(event.action);
      case 'heal':
        return this.heal();
      case 'client-issue': {
        const client = this.clientOf(event.clientId);
        const issued = client.issue(this.nowMs);
        if (issued === null) return;
        this.trace(
          `${client.id} sends ${describeMessage(issued.send.message)} to ${issued.send.to}`,
        );
        return this.clientSend(client, issued.send, issued.followUp);
      }
      case 'client-retry': {
        const client = this.clientOf(event.clientId);
        const retried = client.retry(this.nowMs, event.requestId, event.attempt);
        if (retried === null) return;
        this.trace(`${client.id} retries ${event.requestId} to ${retried.send.to}`);
        return this.clientSend(client, retried.send, retried.followUp);
      }
    }
  }

  private deliver(from: string, to: string, message: Message): void {
    if (this.network.isCut(from, to)) {
      this.stats.messagesCut++;
      return this.traceDelivery('cut', from, to, message);
    }
    const client = this.clients.get(to);
    if (client !== undefined) {
      this.traceDelivery('', from, to, message);
      if (message.type !== 'response') return;
      this.checkers.onClientResponse(to, message);
      const followUp = client.onResponse(this.nowMs, message);
      if (followUp !== null) this.scheduleClient(client, followUp);
      return;
    }
    const p = this.processOf(to);
    if (!p.up) {
      this.stats.messagesToDownProcess++;
      return this.traceDelivery('lost (down)', from, to, message);
    }
    this.traceDelivery('', from, to, message);
    this.advance(p, { kind: 'message', message });
  }

  /** Runs one step of a process, checks it, makes its writes durable and releases its sends. */
  private advance(p: AnyProcess, input: StepInput): void {
    const message = input.kind === 'message' ? input.message : null;
    switch (p.kind) {
      case 'acceptor': {
        const result = this.invoke(p, input);
        this.checkers.afterAcceptorStep(p.id, acceptorView(result.state), message);
        return this.release(p, input, result);
      }
      case 'replica': {
        const result = this.invoke(p, input);
        this.checkers.afterReplicaStep(p.id, replicaView(result.state), result.send);
        return this.release(p, input, result);
      }
      case 'leader': {
        const result = this.invoke(p, input);
        this.checkers.afterLeaderStep(p.id, leaderView(result.state));
        return this.release(p, input, result);
      }
    }
  }

  private invoke<K extends string, S, C>(p: SimProcess<K, S, C>, input: StepInput): StepResult<S> {
    let result: StepResult<S>;
    try {
      if (input.kind === 'recover') result = p.role.recover(p.config, input.durable, this.nowMs);
      else {
        if (p.state === null) throw new Error(`${p.id} is down`);
        result =
          input.kind === 'tick'
            ? p.role.tick(p.state, this.nowMs)
            : p.role.step(p.state, input.message, this.nowMs);
      }
    } catch (err) {
      const what = input.kind === 'message' ? describeMessage(input.message) : input.kind;
      throw new RoleThrew(`${p.id} threw on ${what}: ${(err as Error).message}`);
    }
    p.state = result.state;
    // The durable runner commits persist and sends together: a crash sees both or neither.
    if (result.persist.length > 0) p.durable = applyPersist(p.durable, result.persist);
    // persistLater lands after the step, on its own, and is lost if the process crashes first.
    if (result.persistLater && result.persistLater.length > 0) {
      const atMs = Math.max(this.nowMs + this.laterRng.intBetween(0, 50), p.laterLandsAtMs);
      p.laterLandsAtMs = atMs;
      this.queue.schedule(atMs, {
        kind: 'persist-later',
        processId: p.id,
        life: p.life,
        ops: result.persistLater,
      });
    }
    if (this.log !== null) for (const note of result.notes ?? []) this.log(`  ${p.id}: ${note}`);
    return result;
  }

  private release<K extends string, S, C>(
    p: SimProcess<K, S, C>,
    input: StepInput,
    result: StepResult<S>,
  ): void {
    this.checkers.afterSends(p.id, result.send);
    for (const envelope of result.send) {
      // Garbage collection is what keeps this small however long the run: see sim-result.ts.
      if (envelope.message.type === 'p1b') {
        const size = envelope.message.accepted.length;
        this.stats.p1bMaxPValues = Math.max(this.stats.p1bMaxPValues, size);
      }
      this.send(p.id, envelope);
    }
    this.scheduleTick(p, input.kind === 'tick');
  }

  /**
   * Keeps exactly one live tick event per process, at its role's next deadline. Right after a
   * tick fired, a deadline that is already due moves to the next millisecond: a role that
   * keeps reporting a past deadline must not spin the simulator at one instant.
   */
  private scheduleTick<K extends string, S, C>(p: SimProcess<K, S, C>, afterTick: boolean): void {
    if (p.state === null) return;
    const deadline = p.role.nextDeadline(p.state);
    if (deadline === null) {
      p.tickAtMs = null;
      p.tickToken++;
      return;
    }
    const atMs = Math.max(deadline, afterTick ? this.nowMs + 1 : this.nowMs);
    if (p.tickAtMs === atMs) return;
    p.tickToken++;
    p.tickAtMs = atMs;
    this.queue.schedule(atMs, { kind: 'tick', processId: p.id, token: p.tickToken });
  }

  private send(from: string, envelope: Envelope): void {
    this.stats.messagesSent++;
    const delays = this.network.deliveryDelays(from, envelope.to);
    if (delays.length === 0) this.stats.messagesDropped++;
    if (delays.length > 1) this.stats.messagesDuplicated++;
    for (const delayMs of delays) {
      this.queue.schedule(this.nowMs + delayMs, {
        kind: 'deliver',
        from,
        to: envelope.to,
        message: envelope.message,
      });
    }
  }

  private clientSend(client: SimClient, envelope: Envelope, followUp: ClientFollowUp): void {
    this.send(client.id, envelope);
    this.scheduleClient(client, followUp);
  }

  private scheduleClient(client: SimClient, followUp: ClientFollowUp): void {
    if (followUp.kind === 'retry-at') {
      const { requestId, attempt } = followUp;
      this.queue.schedule(followUp.atMs, {
        kind: 'client-retry',
        clientId: client.id,
        requestId,
        attempt,
      });
    } else if (followUp.kind === 'issue-at') {
      this.queue.schedule(followUp.atMs, { kind: 'client-issue', clientId: client.id });
    }
  }

  private applyFault(action: FaultAction): void {
    if (this.healed) return;
    switch (action.kind) {
      case 'crash': {
        const p = this.processOf(action.processId);
        if (!p.up) return;
        this.trace(`CRASH ${p.id}`);
        this.stats.crashes++;
        p.crash();
        return;
      }
      case 'restart':
        return this.restart(this.processOf(action.processId));
      case 'partition-start':
        this.trace(`PARTITION ${action.partitionId} cuts off ${action.members.join(',')}`);
        this.stats.partitions++;
        return this.network.startPartition(action.partitionId, new Set(action.members));
      case 'partition-end':
        this.trace(`PARTITION ${action.partitionId} ends`);
        return this.network.endPartition(action.partitionId);
    }
  }

  private restart(p: AnyProcess): void {
    if (p.up) return;
    this.stats.restarts++;
    if (p.kind === 'acceptor' && this.options.volatileAcceptors) {
      // The original in-memory design: whatever the acceptor promised or accepted is gone.
      p.durable = new Map();
      this.checkers.acceptorLostDisk(p.id);
      this.trace(`RESTART ${p.id} with an EMPTY disk`);
    } else {
      this.trace(`RESTART ${p.id} from ${p.durable.size} durable entries`);
    }
    this.advance(p, { kind: 'recover', durable: p.durable });
  }

  private heal(): void {
    this.healed = true;
    this.network.heal();
    this.trace('HEAL: partitions end, links stop dropping and duplicating, everyone restarts');
    for (const p of this.cluster.byId.values()) this.restart(p);
  }

  private processOf(id: string): AnyProcess {
    const p = this.cluster.byId.get(id);
    if (p === undefined) throw new Error(`message for unknown process ${id}`);
    return p;
  }

  private clientOf(id: string): SimClient {
    const client = this.clients.get(id);
    if (client === undefined) throw new Error(`unknown client ${id}`);
    return client;
  }

  /** Adds an event to the digest and, with --verbose, to the log. */
  private trace(line: string): void {
    this.digest.add(`${this.nowMs} ${line}`);
    if (this.log !== null) this.log(`[${String(this.nowMs).padStart(6)}ms] ${line}`);
  }

  /** A delivery goes into the digest with the message's whole content. */
  private traceDelivery(fate: string, from: string, to: string, message: Message): void {
    this.digest.add(`${this.nowMs} ${fate} ${from}>${to} ${JSON.stringify(message)}`);
    if (this.log !== null) {
      const prefix = fate === '' ? '' : `${fate.toUpperCase()} `;
      this.log(
        `[${String(this.nowMs).padStart(6)}ms] ${prefix}${from} -> ${to} ${describeMessage(message)}`,
      );
    }
  }
}

import {
  describeConfiguration,
  isClientDestination,
  type Envelope,
  type Message,
  type Response,
} from '@paxos/shared';
import type { PlannedCommit, ShellAction, ShellOutcome } from '@paxos/runtime';
import { InvariantViolation, violated } from '../checkers/violation';
import { ClusterCheckers } from '../checkers/cluster-checkers';
import type { WrittenOp } from '../checkers/limits-checker';
import { behaviourOf } from '../clients/adversaries';
import { clientOfAnswer } from '../clients/route-answer';
import { SimClient, type ClientStep } from '../clients/sim-client';
import {
  buildCluster,
  REAL_ROLES,
  SIM_REPLICA_TIMINGS,
  type AnyProcess,
  type MemberRole,
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
import { OPERATOR_ID, Operator, type OperatorStep } from '../reconfiguration/operator';
import { drawPlan } from '../reconfiguration/plan';
import { describeMessage } from '../trace/describe-message';
import { TraceDigest } from '../trace/trace-digest';
import { checkDeadLetter, checkDroppedLocal } from '../shell/dead-letter-checker';
import { QueuedMessages } from '../shell/queued-messages';
import { SimDataApi, valueJsonsOf } from '../shell/sim-data-api';
import {
  OVERSIZED_COMMIT_BODY_BYTES_MAX,
  SIM_COMMIT_BODY_BYTES_MAX,
  drainCore,
  startCore,
} from '../shell/shell-process';
import { clientStats } from './client-stats';
import { FleetMembership } from './fleet-membership';
import { runFinalChecks } from './final-checks';
import type { SimEvent } from './sim-events';
import type { SimOptions } from './sim-options';
import { emptyStats, type SimResult, type SimStats } from './sim-result';

/** Why a process's shell core runs: a delivered message, a due timer, or a new incarnation. */
type StepInput =
  | { kind: 'message'; from: string; message: Message; payload: string | undefined }
  | { kind: 'tick' }
  | { kind: 'recover' };

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
  /** The data API and PostgreSQL every process's shell core commits to. */
  private readonly dataApi = new SimDataApi();
  /** Ids of claimed rows and queued messages, and the rows' queue order: counters, not random. */
  private idCounter = 0;
  private rowSeq = 0;
  private healed = false;
  private readonly stats: SimStats = emptyStats();
  /** The seed's reconfiguration plan at work (null: the membership stays as it started). */
  private readonly operator: Operator | null;
  private readonly operatorTakesReplicasDown: boolean;
  private readonly membership: FleetMembership;

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
    this.checkers = new ClusterCheckers({
      acceptors: this.cluster.cluster.acceptors,
      leaders: this.cluster.cluster.leaders,
      replicas: this.cluster.cluster.replicas,
      windowSlots: SIM_REPLICA_TIMINGS.windowSlots,
      replicaFullCheckEverySteps: options.replicaFullCheckEverySteps,
    });
    // The replicas clients send to: the list the membership updates as replicas join and leave.
    const clientReplicas = [...this.cluster.cluster.replicas];
    const checksInput = options.broken !== 'unchecked-input';
    this.cluster.clients.forEach((id, index) => {
      const behaviour = behaviourOf(index, options.clients, this.profile.adversaries);
      const config = {
        id,
        index,
        replicas: clientReplicas,
        opsToIssue: options.opsPerClient,
        keyCount: options.keyCount,
        timing: options.client,
        behaviour,
        checksInput,
      };
      this.clients.set(id, new SimClient(config, rng.fork(`client-${index}`)));
    });
    const reconfigurationRng = rng.fork('reconfiguration');
    this.membership = new FleetMembership(
      this.cluster,
      this.checkers,
      rng.fork('membership'),
      this.stats,
      clientReplicas,
    );
    const plan = drawPlan(reconfigurationRng, options.reconfigure, options.acceptors);
    this.operator =
      plan === null
        ? null
        : new Operator(
            plan,
            this.cluster.cluster,
            this.membership.operatorView(),
            reconfigurationRng,
          );
    this.stats.scenario = plan?.scenario ?? null;
    this.operatorTakesReplicasDown = plan?.steps.some((step) => step.kind === 'outage') ?? false;
  }

  run(): SimResult {
    let violation: InvariantViolation | null = null;
    try {
      this.start();
      this.loop();
      this.stats.endMs = this.nowMs;
      const { linearizabilityUnknown } = runFinalChecks({
        replicas: this.membership.memberReplicas(),
        clients: [...this.clients.values()],
        checkers: this.checkers,
        unfinished: this.operator === null || this.operator.done ? null : this.operator.describe(),
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
    this.stats.answered = history.filter((op) => op.outcome !== null).length;
    Object.assign(this.stats, clientStats([...this.clients.values()]));
    this.stats.messageMaxJsonBytes = this.checkers.limits.messageMaxJsonBytes;
    this.stats.stateWriteMaxJsonBytes = this.checkers.limits.stateWriteMaxJsonBytes;
    this.stats.slotOut = Math.max(
      0,
      ...this.membership.memberReplicas().map((r) => r.state?.slotOut ?? 0),
    );
    this.stats.collectedBelow = this.checkers.gc.highestCollected;
    this.stats.finalConfiguration = describeConfiguration(this.checkers.configs.newest.config);
    if (this.operator !== null) {
      this.stats.reconfigurations = this.operator.stats.completed;
      this.stats.membersStopped = this.operator.stats.stopped;
      this.stats.outages = this.operator.stats.outages;
    }
    for (const r of this.cluster.replicas) {
      this.stats.decisionsLearned += r.state?.counters.decisionsLearned ?? 0;
    }
    if (violation !== null) this.trace(`VIOLATION ${violation.message}`);
    return {
      seed: this.seed,
      volatileAcceptors: this.options.volatileAcceptors,
      adversaries: this.profile.adversaries,
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
      this.startIncarnation(p);
    }
    const plan = planFaults(this.faultRng, {
      ...this.cluster.cluster,
      clients: this.cluster.clients,
      faultPhaseMs: this.options.faultPhaseMs,
      crashes: this.profile.crashes,
      partitions: this.profile.partitions,
      // A plan with its own replica outage keeps the others up meanwhile, so the horizon passes
      // the one down (two replicas down of three would stop collection altogether).
      longOutage:
        this.profile.adversaries.longOutage && !this.operatorTakesReplicasDown
          ? this.options.outage
          : null,
    });
    for (const action of plan) this.queue.schedule(action.atMs, { kind: 'fault', action });
    this.queue.schedule(this.options.faultPhaseMs, { kind: 'heal' });
    for (const clientId of this.clients.keys()) {
      const atMs = this.faultRng.intBetween(0, this.options.client.startSpreadMs);
      this.queue.schedule(atMs, { kind: 'client-timer', clientId, timer: { kind: 'issue' } });
    }
    if (this.operator !== null) this.operatorActs(this.operator.begin());
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

  /**
   * Every client has all its answers, the operator's plan is done, and every replica of the
   * configuration applied every decided slot.
   */
  private settled(): boolean {
    for (const client of this.clients.values()) if (!client.finished) return false;
    if (this.operator !== null && !this.operator.done) return false;
    const target = this.checkers.decisions.highestSlot + 1;
    return this.membership
      .memberReplicas()
      .every((r) => r.state !== null && r.state.slotOut === target);
  }

  private handle(event: SimEvent): void {
    switch (event.kind) {
      case 'deliver':
        return this.deliver(event.from, event.to, event.message, event.payload);
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
        return this.dataApi.landPending(p.id, event.writeSeq);
      }
      case 'fault':
        return this.applyFault(event.action);
      case 'heal':
        return this.heal();
      case 'client-timer': {
        const client = this.clientOf(event.clientId);
        return this.clientActs(client, client.onTimer(this.nowMs, event.timer));
      }
      case 'operator-timer':
        if (this.operator !== null)
          this.operatorActs(this.operator.onTimer(this.nowMs, event.timer));
        return;
    }
  }

  /** `payload`: the queued row's text, when the message went through the queue. */
  private deliver(from: string, to: string, message: Message, payload?: string): void {
    if (!isClientDestination(to) && this.network.isCut(from, to)) {
      this.stats.messagesCut++;
      return this.traceDelivery('cut', from, to, message, payload);
    }
    if (isClientDestination(to) && message.type === 'response') {
      return this.deliverToClient(from, to, message);
    }
    const p = this.processOf(to);
    if (!p.up) {
      this.stats.messagesToDownProcess++;
      return this.traceDelivery('lost (down)', from, to, message, payload);
    }
    this.traceDelivery('', from, to, message, payload);
    this.advance(p, { kind: 'message', from, message, payload });
  }

  /** A new incarnation: the next epoch, a new shell core, whose first action loads the durable map. */
  private startIncarnation(p: AnyProcess): void {
    const epoch = this.dataApi.claimEpoch(p.id);
    this.membership.lifeBegins(p.id);
    const commitBodyBytesMax = this.options.oversizedCommits
      ? OVERSIZED_COMMIT_BODY_BYTES_MAX
      : SIM_COMMIT_BODY_BYTES_MAX;
    const config = {
      commitBodyBytesMax,
      newId: () => `m${++this.idCounter}`,
      observer: {
        droppedLocal: (message: Message, reason: string, detail: string) =>
          checkDroppedLocal(p.id, message, reason, detail),
        // A message or write over its limit never reaches a commit: the shell blames its input.
        tooLarge: (detail: string) => violated('limits', `${p.id}: ${detail}`),
        isolating: (inputs: number, detail: string) =>
          this.trace(`${p.id} isolates ${inputs} inputs: ${detail}`),
        note: (note: string) => this.log?.(`  ${p.id}: ${note}`),
      },
    };
    switch (p.kind) {
      case 'acceptor':
        startCore(p, epoch, config);
        break;
      case 'leader':
        startCore(p, epoch, config);
        break;
      case 'replica':
        startCore(p, epoch, config);
        break;
    }
    this.advance(p, { kind: 'recover' });
  }

  /**
   * Hands an input to a process's shell core, drains the core (its commits land on the
   * simulated data API and release their sends), checks the role state it holds, and schedules
   * the core's next wake-up. Client requests arrive over HTTP in the services: submitted as
   * local messages; everything else is a claimed queue row.
   */
  private advance(p: AnyProcess, input: StepInput): void {
    if (p.core === null) throw new Error(`${p.id} is down`);
    if (input.kind === 'message') {
      if (this.clients.has(input.from) || input.from === OPERATOR_ID) p.core.submit(input.message);
      else this.receiveRow(p, input.from, input.message, input.payload);
    }
    const message = input.kind === 'message' ? input.message : null;
    switch (p.kind) {
      case 'acceptor': {
        this.drain(p);
        if (p.state !== null) this.checkers.afterAcceptorStep(p.id, acceptorView(p.state), message);
        break;
      }
      case 'replica': {
        const released = this.drain(p);
        if (p.state !== null) {
          this.checkers.afterReplicaStep(p.id, replicaView(p.state), released);
          this.membership.countSnapshots(p.id, p.state.counters.snapshotsInstalled);
        }
        break;
      }
      case 'leader': {
        this.drain(p);
        if (p.state !== null) this.checkers.afterLeaderStep(p.id, leaderView(p.state));
        break;
      }
    }
    this.scheduleTick(p, input.kind === 'tick');
  }

  /**
   * A claimed row: the text the sender queued (what a claim returns), which the core parses as
   * the service does; a message that never went through the queue is serialized here.
   */
  private receiveRow(p: AnyProcess, from: string, message: Message, payload?: string): void {
    const id = `r${++this.idCounter}`;
    const text = payload ?? JSON.stringify(message);
    p.held.set(id, { from, message, payload: text });
    p.core?.receive([{ id, payload: text, attempts: 1, seq: ++this.rowSeq }]);
  }

  /** Runs the core until it waits; returns what it released (commit sends, local deliveries). */
  private drain<K extends string, S, C>(p: SimProcess<K, S, C>): Envelope[] {
    const core = p.core;
    if (core === null) throw new Error(`${p.id} is down`);
    const released: Envelope[] = [];
    drainCore(p.id, core, this.nowMs, (action) => this.perform(p, action, released));
    p.state = core.currentState ?? null;
    return released;
  }

  /** One action of a shell core, against the simulated data API and network. */
  private perform<K extends string, S, C>(
    p: SimProcess<K, S, C>,
    action: ShellAction,
    released: Envelope[],
  ): ShellOutcome {
    switch (action.kind) {
      case 'load-durable':
        return { kind: 'loaded', durable: this.dataApi.load(p.id) };
      case 'commit':
        return this.commit(p, action.commit, action.background, released);
      case 'dead-letter': {
        const held = p.held.get(action.id);
        p.held.delete(action.id);
        this.trace(`${p.id} DEAD-LETTERS ${action.id} (${action.reason}): ${action.detail}`);
        checkDeadLetter(p.id, held, action.reason, action.detail);
        return { kind: 'done' };
      }
      case 'release':
        // Back on the queue: claimed again a little later (as a new delivery).
        for (const id of action.ids) {
          const held = p.held.get(id);
          p.held.delete(id);
          if (held === undefined) continue;
          const atMs = this.nowMs + this.laterRng.intBetween(1, 5);
          this.queue.schedule(atMs, {
            kind: 'deliver',
            from: held.from,
            to: p.id,
            message: held.message,
            payload: held.payload,
          });
        }
        return { kind: 'done' };
      case 'deliver':
        for (const envelope of action.envelopes) {
          released.push(envelope);
          this.send(p.id, envelope);
        }
        if (this.log !== null) for (const event of action.events) this.log(`  ${p.id}: ${event}`);
        return { kind: 'done' };
    }
  }

  /**
   * A step commit. Its writes and sends are checked as the role produced them (limits,
   * storable), before the data API answers; a foreground one lands at once and releases its
   * sends, a background one (persistLater) lands later, in order, and is lost in a crash.
   */
  private commit<K extends string, S, C>(
    p: SimProcess<K, S, C>,
    commit: PlannedCommit,
    background: boolean,
    released: Envelope[],
  ): ShellOutcome {
    // Each value serialized and each payload parsed once, for the checkers and the data API
    // (and the network, if the commit lands).
    const valueJsons = valueJsonsOf(commit);
    const queued = new QueuedMessages(p.id);
    this.checkers.afterWrites(p.id, writesOf(commit, valueJsons));
    this.checkers.afterSends(p.id, queued.asSent(commit.sends));
    if (background) {
      const refusal = this.dataApi.commitLater(p.id, p.epoch, commit, valueJsons);
      if (refusal !== null) {
        violated('shell-fatal', `${p.id}: the data API refused a background commit: ${refusal}`);
      }
      const atMs = Math.max(this.nowMs + this.laterRng.intBetween(0, 50), p.laterLandsAtMs);
      p.laterLandsAtMs = atMs;
      this.queue.schedule(atMs, {
        kind: 'persist-later',
        processId: p.id,
        life: p.life,
        writeSeq: commit.writeSeq,
      });
      return { kind: 'done' };
    }
    const answer = this.dataApi.commit(p.id, p.epoch, commit, valueJsons);
    if (answer.kind === 'refused') {
      this.trace(`${p.id} commit ${p.epoch}.${commit.writeSeq} REFUSED: ${answer.detail}`);
      return answer;
    }
    if (answer.kind === 'fenced') return answer;
    for (const id of commit.acks) p.held.delete(id);
    for (const envelope of queued.asMessages(answer.sends)) {
      // Garbage collection is what keeps this small however long the run: see sim-result.ts.
      if (envelope.message.type === 'p1b') {
        const size = envelope.message.accepted.length;
        this.stats.p1bMaxPValues = Math.max(this.stats.p1bMaxPValues, size);
      }
      released.push(envelope);
      this.send(p.id, envelope);
    }
    return { kind: 'committed' };
  }

  /**
   * Keeps exactly one live tick event per process, at its core's next wake-up (a role timer or
   * an ack flush). Right after a tick fired, a deadline that is already due moves to the next
   * millisecond: a core that keeps reporting a past deadline must not spin the simulator at one
   * instant.
   */
  private scheduleTick(p: AnyProcess, afterTick: boolean): void {
    if (p.core === null) return;
    const deadline = p.core.wakeAt();
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

  /** `envelope.payload`: the queued row's text, for a message that goes through the queue. */
  private send(from: string, envelope: Envelope & { payload?: string }): void {
    // A replica's note to its own watch feed (watch-history.ts): no feed runs in the simulation,
    // and the note takes no network draw, so seeds replay as they did before it existed.
    if (envelope.message.type === 'applied') return;
    this.stats.messagesSent++;
    if (envelope.message.type === 'behind') this.stats.behindSent++;
    const delays = this.network.deliveryDelays(from, envelope.to);
    if (delays.length === 0) this.stats.messagesDropped++;
    if (delays.length > 1) this.stats.messagesDuplicated++;
    for (const delayMs of delays) {
      this.queue.schedule(this.nowMs + delayMs, {
        kind: 'deliver',
        from,
        to: envelope.to,
        message: envelope.message,
        payload: envelope.payload,
      });
    }
  }

  /**
   * An answer for the client namespace (`client:<sessionId>`) reaches the simulated client that
   * owns that session (or, for `client:0`, that registration number); the partition check uses
   * the client's own name, which is what partitions cut off.
   */
  private deliverToClient(from: string, to: string, response: Response): void {
    if (response.sessionId === 0 && this.operator?.owns(response.requestId)) {
      if (this.network.isCut(from, OPERATOR_ID)) {
        this.stats.messagesCut++;
        return this.traceDelivery('cut', from, to, response);
      }
      this.traceDelivery('', from, to, response);
      this.checkers.onClientResponse(to, response);
      return this.operatorActs(this.operator.onResponse(this.nowMs, response));
    }
    const client = clientOfAnswer(this.clients.values(), to, response);
    if (client !== null && this.network.isCut(from, client.id)) {
      this.stats.messagesCut++;
      return this.traceDelivery('cut', from, to, response);
    }
    this.traceDelivery(client === null ? 'unclaimed' : '', from, to, response);
    this.checkers.onClientResponse(to, response);
    if (client !== null) this.clientActs(client, client.onResponse(this.nowMs, response));
  }

  /** Sends a client's requests (from its own name), sets its timers, traces its notes. */
  private clientActs(client: SimClient, step: ClientStep): void {
    for (const note of step.notes) this.trace(note);
    for (const envelope of step.sends) {
      this.trace(`${client.id} sends ${describeMessage(envelope.message)} to ${envelope.to}`);
      this.send(client.id, envelope);
    }
    for (const { atMs, timer } of step.timers) {
      this.queue.schedule(atMs, { kind: 'client-timer', clientId: client.id, timer });
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
        this.dataApi.crash(p.id);
        return;
      }
      case 'restart':
        if (this.membership.heldDown.has(action.processId)) return;
        return this.restart(this.processOf(action.processId));
      case 'partition-start': {
        const joiners = this.membership.joinersOfPartition(
          action.members.length,
          this.initialProcessCount(),
        );
        const members = [...action.members, ...joiners];
        this.trace(`PARTITION ${action.partitionId} cuts off ${members.join(',')}`);
        this.stats.partitions++;
        return this.network.startPartition(action.partitionId, new Set(members));
      }
      case 'partition-end':
        this.trace(`PARTITION ${action.partitionId} ends`);
        return this.network.endPartition(action.partitionId);
    }
  }

  private restart(p: AnyProcess): void {
    if (p.up || this.membership.stopped.has(p.id)) return;
    this.stats.restarts++;
    if (p.kind === 'acceptor' && this.options.volatileAcceptors) {
      // The original in-memory design: whatever the acceptor promised or accepted is gone.
      this.dataApi.wipe(p.id);
      this.checkers.acceptorLostDisk(p.id);
      this.trace(`RESTART ${p.id} with an EMPTY disk`);
    } else {
      this.trace(`RESTART ${p.id} from ${this.dataApi.size(p.id)} durable entries`);
    }
    this.startIncarnation(p);
  }

  private heal(): void {
    this.healed = true;
    this.network.heal();
    this.trace('HEAL: partitions end, links stop dropping and duplicating, everyone restarts');
    for (const id of [...this.membership.heldDown]) this.membership.outageEnds(id);
    for (const p of this.cluster.byId.values()) this.restart(p);
  }

  /** The processes and clients the fault plan's partitions were drawn from. */
  private initialProcessCount(): number {
    const { acceptors, leaders, replicas } = this.cluster.cluster;
    return acceptors.length + leaders.length + replicas.length + this.clients.size;
  }

  /** Carries out what the reconfiguration operator did. */
  private operatorActs(step: OperatorStep): void {
    for (const note of step.notes) this.trace(note);
    for (const { kind, id, joinFrom } of step.start) this.startMember(kind, id, joinFrom);
    for (const envelope of step.sends) {
      this.trace(`${OPERATOR_ID} sends ${describeMessage(envelope.message)} to ${envelope.to}`);
      this.send(OPERATOR_ID, envelope);
    }
    for (const { atMs, timer } of step.timers) {
      this.queue.schedule(atMs, { kind: 'operator-timer', timer });
    }
    for (const id of step.stop) this.stopForGood(id);
    for (const id of step.crash) this.outageBegins(id);
    for (const id of step.restart) {
      if (this.membership.outageEnds(id)) this.restart(this.processOf(id));
    }
    if (step.clientReplicas !== null) this.membership.setClientReplicas(step.clientReplicas);
  }

  /** A new member: a new id, empty durable state, and its own crashes while faults last. */
  private startMember(kind: MemberRole, id: string, joinFrom: readonly string[]): void {
    const p = this.cluster.newMember(kind, id, joinFrom);
    this.trace(`START ${id} (joins the fleet)`);
    this.startIncarnation(p);
    if (this.healed) return;
    const { crashes } = this.profile;
    const planned = this.membership.crashesOf(
      kind,
      id,
      crashes,
      this.nowMs,
      this.options.faultPhaseMs,
    );
    for (const action of planned) this.queue.schedule(action.atMs, { kind: 'fault', action });
  }

  /** A member that left the configuration: stopped, never to restart (its disk is gone too). */
  private stopForGood(id: string): void {
    const p = this.processOf(id);
    this.trace(`STOP ${id} for good`);
    if (p.up) {
      p.crash();
      this.dataApi.crash(id);
    }
    this.membership.stop(id);
  }

  /** The operator takes a replica down; nothing brings it back before the outage ends. */
  private outageBegins(id: string): void {
    const p = this.processOf(id);
    this.membership.outageBegins(id);
    if (!p.up) return;
    this.trace(`CRASH ${id} (outage)`);
    this.stats.crashes++;
    p.crash();
    this.dataApi.crash(id);
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

  /**
   * A delivery goes into the digest with the message's whole content: the queued row's text
   * when it has one (the message is that text parsed), else the message serialized.
   */
  private traceDelivery(
    fate: string,
    from: string,
    to: string,
    message: Message,
    payload?: string,
  ): void {
    this.digest.add(`${this.nowMs} ${fate} ${from}>${to} ${payload ?? JSON.stringify(message)}`);
    if (this.log !== null) {
      const prefix = fate === '' ? '' : `${fate.toUpperCase()} `;
      this.log(
        `[${String(this.nowMs).padStart(6)}ms] ${prefix}${from} -> ${to} ${describeMessage(message)}`,
      );
    }
  }
}

/** A commit's durable writes as the role's persist ops, with their values' JSON text. */
function writesOf(commit: PlannedCommit, valueJsons: readonly string[]): WrittenOp[] {
  const ops: WrittenOp[] = commit.puts.map((p, i) => ({
    op: 'put',
    key: p.key,
    slot: p.slot,
    value: p.value,
    json: valueJsons[i]!,
  }));
  if (commit.truncateBelow > 0) ops.push({ op: 'truncate', belowSlot: commit.truncateBelow });
  return ops;
}

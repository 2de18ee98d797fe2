import {
  applyPersist,
  type DurableEntry,
  type Envelope,
  type Message,
  type ProcessId,
  type Role,
  type StepResult,
} from '@paxos/shared';

/** One process of the mini cluster, its role's state type hidden behind closures. */
interface Node {
  step(message: Message, now: number): StepResult<unknown>;
  tick(now: number): StepResult<unknown>;
  nextDeadline(): number | null;
}

export interface NodeHandle<S> extends Node {
  state(): S;
}

function makeNode<S, C>(
  role: Role<S, C>,
  config: C,
  now: number,
  take: (result: StepResult<unknown>) => void,
): NodeHandle<S> {
  const first = role.recover(config, new Map(), now);
  let state = first.state;
  const keep = (result: StepResult<S>): StepResult<S> => {
    state = result.state;
    take(result);
    return result;
  };
  take(first);
  return {
    step: (message, at) => keep(role.step(state, message, at)),
    tick: (at) => keep(role.tick(state, at)),
    nextDeadline: () => role.nextDeadline(state),
    state: () => state,
  };
}

interface InFlight {
  deliverAt: number;
  seq: number;
  envelope: Envelope;
  sentAt: number;
}

/**
 * A tiny deterministic network for role tests: every message takes `latencyMs`, is delivered
 * in send order, and time jumps straight to the next delivery or timer. `drop` lets a test
 * lose messages. Messages to ids that are not nodes (clients) are collected in `outside`.
 */
export class MiniCluster {
  now = 0;
  readonly outside: Envelope[] = [];
  readonly trace: string[] = [];
  private readonly nodes = new Map<ProcessId, Node>();
  private readonly durable = new Map<ProcessId, Map<string, DurableEntry>>();
  private inFlight: InFlight[] = [];
  private seq = 0;

  constructor(
    readonly latencyMs: number,
    readonly drop: (envelope: Envelope, sentAt: number) => boolean = () => false,
  ) {}

  add<S, C>(id: ProcessId, role: Role<S, C>, config: C): NodeHandle<S> {
    const node = makeNode(role, config, this.now, (result) => this.take(id, result));
    this.nodes.set(id, node);
    return node;
  }

  /** What `id` has made durable so far. */
  durableOf(id: ProcessId): ReadonlyMap<string, DurableEntry> {
    return this.durable.get(id) ?? new Map();
  }

  /** Injects a message from outside (a client), delivered after the usual latency. */
  inject(envelope: Envelope): void {
    this.enqueue(envelope);
  }

  private enqueue(envelope: Envelope): void {
    if (this.drop(envelope, this.now)) return;
    this.inFlight.push({
      deliverAt: this.now + this.latencyMs,
      seq: this.seq++,
      envelope,
      sentAt: this.now,
    });
  }

  private take(id: ProcessId, result: StepResult<unknown>): void {
    // Persist before the sends are released, as the runner does.
    this.durable.set(id, applyPersist(this.durable.get(id) ?? new Map(), result.persist));
    for (const note of result.notes ?? []) this.trace.push(`${this.now} ${id}: ${note}`);
    for (const envelope of result.send) this.enqueue(envelope);
  }

  private nextEventAt(): number | null {
    let next: number | null = null;
    for (const flight of this.inFlight)
      next = next === null ? flight.deliverAt : Math.min(next, flight.deliverAt);
    for (const node of this.nodes.values()) {
      const deadline = node.nextDeadline();
      if (deadline !== null) next = next === null ? deadline : Math.min(next, deadline);
    }
    return next;
  }

  /** Runs until `until` (or until nothing is left to do), handling every event on the way. */
  runUntil(until: number): void {
    for (let events = 0; ; events += 1) {
      // A role whose deadline never moves past now would spin here forever: that is a bug.
      if (events > 1_000_000) throw new Error(`mini cluster stuck at ${this.now}`);
      const next = this.nextEventAt();
      if (next === null || next > until) break;
      this.now = Math.max(this.now, next);
      const due = this.inFlight
        .filter((f) => f.deliverAt <= this.now)
        .sort((a, b) => a.seq - b.seq);
      this.inFlight = this.inFlight.filter((f) => f.deliverAt > this.now);
      for (const { envelope } of due) {
        const node = this.nodes.get(envelope.to);
        if (node) node.step(envelope.message, this.now);
        else this.outside.push(envelope);
      }
      for (const node of this.nodes.values()) {
        const deadline = node.nextDeadline();
        if (deadline !== null && deadline <= this.now) node.tick(this.now);
      }
    }
    this.now = Math.max(this.now, until);
  }
}

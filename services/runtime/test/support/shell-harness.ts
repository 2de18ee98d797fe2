import {
  CorruptStateError,
  PROTOCOL_STATE_KEY,
  PROTOCOL_VERSION,
  clientDestination,
  parseDurableValue,
  type DurableEntry,
  type Envelope,
  type Message,
  type PersistOp,
  type Role,
} from '@paxos/shared';
import { z } from 'zod';
import type { PlannedCommit } from '../../src/commit-planner';
import type { ClaimedMessage } from '../../src/queue-port';
import {
  ShellCore,
  type ShellAction,
  type ShellCoreOptions,
  type ShellObserver,
  type ShellOutcome,
} from '../../src/shell-core';

/**
 * A test role whose behaviour each p1a's round (or each local withdraw's requestId) selects,
 * and which changes its state IN PLACE, as the real roles do, so a test sees whether the shell
 * recovered it after a failed step.
 */
export const ROUND = {
  throws: 13,
  hugeSend: 98,
  hugePut: 99,
  /** A write within the limits but over a small test budget for one commit body. */
  overBudgetPut: 77,
  refusedByDataApi: 66,
  /** Writes a snapshot through persistLater: parts, then a head, then a truncation. */
  snapshot: 50,
} as const;

export interface ProbeState {
  seen: number[];
  deadline: number | null;
}

export const roundsOf = (entries: Iterable<[string, DurableEntry]>): number[] =>
  [...entries]
    .filter(([key]) => key.startsWith('seen:'))
    .map(([key, e]) => parseDurableValue(key, e.value, z.number().int()))
    .sort((a, b) => a - b);

export const probeRole: Role<ProbeState, null> = {
  recover: (_config, durable) => ({
    state: { seen: roundsOf(durable), deadline: null },
    persist: [],
    send: [],
  }),
  step: (state, m) => {
    const round = m.type === 'p1a' ? m.ballot.round : m.type === 'withdraw' ? m.requestId : -1;
    state.seen.push(round); // in place, before anything can fail
    if (round === ROUND.throws) throw new Error(`round ${round} is poison`);
    const persist: PersistOp[] = [{ op: 'put', key: `seen:${round}`, slot: round, value: round }];
    const send: Envelope[] = [];
    if (round === ROUND.hugePut) {
      persist.push({ op: 'put', key: 'huge', slot: null, value: 'x'.repeat(170 * 1024) });
    }
    if (round === ROUND.hugeSend) {
      send.push({
        to: 'leader-0',
        message: {
          type: 'p1a',
          from: 'y'.repeat(170 * 1024),
          ballot: { round, leaderId: 'leader-0' },
        } as Message,
      });
    }
    if (round === ROUND.overBudgetPut) {
      persist.push({ op: 'put', key: 'wide', slot: null, value: 'w'.repeat(2_000) });
    }
    if (round === ROUND.refusedByDataApi) {
      persist.push({ op: 'put', key: 'refuse-me', slot: null, value: 'refuse-me' });
    }
    if (m.type === 'withdraw') {
      send.push({ to: clientDestination(m.sessionId), message: m });
    } else {
      send.push({
        to: 'leader-0',
        message: { type: 'p1a', from: 'acceptor-0', ballot: { round, leaderId: 'leader-0' } },
      });
    }
    const result = { state, persist, send } as ReturnType<Role<ProbeState, null>['step']>;
    if (round === ROUND.snapshot) {
      result.persistLater = [
        { op: 'put', key: 'snap:part:0', slot: null, value: 'a'.repeat(600) },
        { op: 'put', key: 'snap:part:1', slot: null, value: 'b'.repeat(600) },
        { op: 'put', key: 'snap:head', slot: null, value: { parts: 2 } },
        { op: 'truncate', belowSlot: 3 },
      ];
    }
    return result;
  },
  tick: (state) => {
    state.deadline = null;
    return { state, persist: [{ op: 'put', key: 'ticked', slot: null, value: true }], send: [] };
  },
  nextDeadline: (state) => state.deadline,
};

/** A role whose recover reads a corrupt row. */
export const corruptRole: Role<ProbeState, null> = {
  ...probeRole,
  recover: (_config, durable) => {
    const entry = durable.get('ballot');
    if (entry) parseDurableValue('ballot', entry.value, z.object({ round: z.number() }));
    return { state: { seen: [], deadline: null }, persist: [], send: [] };
  },
};

export const p1a = (round: number): string =>
  JSON.stringify({ type: 'p1a', from: 'leader-0', ballot: { round, leaderId: 'leader-0' } });

export const claimed = (id: string, payload: string, attempts = 1, seq = 0): ClaimedMessage => ({
  id,
  payload,
  attempts,
  seq: seq || Number(id.replace(/\D/g, '')) || 1,
});

/**
 * A synchronous data API with step_commit's rules: fencing by epoch, puts applied only if
 * newer by (epoch, writeSeq), "put, then truncate", acks of held messages, and a content
 * refusal for any commit that writes the value 'refuse-me'.
 */
export class FakeDataApi {
  epoch = 1;
  /**
   * A process that already ran at this protocol version (its recovery writes nothing of its
   * own): the transcripts show the role's writes alone. durable-version.test.ts starts without it.
   */
  readonly rows = new Map<string, DurableEntry & { epoch: number; writeSeq: number }>([
    [PROTOCOL_STATE_KEY, { slot: null, value: PROTOCOL_VERSION, epoch: 0, writeSeq: 0 }],
  ]);
  readonly commits: PlannedCommit[] = [];
  readonly background: PlannedCommit[] = [];
  readonly queued: Array<{ id: string; dst: string; payload: string }> = [];
  readonly acked: string[] = [];
  readonly deadLetters: Array<{ id: string; reason: string }> = [];
  readonly released: string[] = [];
  readonly delivered: Envelope[] = [];
  readonly transcript: string[] = [];

  durable(): Map<string, DurableEntry> {
    return new Map([...this.rows].map(([k, e]) => [k, { slot: e.slot, value: e.value }]));
  }

  apply(c: PlannedCommit, epoch: number): ShellOutcome {
    if (epoch !== this.epoch) return { kind: 'fenced' };
    if (c.puts.some((p) => p.value === 'refuse-me')) {
      return { kind: 'refused', detail: 'POST /custom/step_commit was refused with 400' };
    }
    for (const p of c.puts) {
      const row = this.rows.get(p.key);
      if (row && (row.epoch > epoch || (row.epoch === epoch && row.writeSeq >= c.writeSeq)))
        continue;
      this.rows.set(p.key, { slot: p.slot, value: p.value, epoch, writeSeq: c.writeSeq });
    }
    if (c.truncateBelow > 0) {
      const kept = new Set(
        c.puts.filter((p) => p.slot === null || p.slot >= c.truncateBelow).map((p) => p.key),
      );
      for (const [key, row] of this.rows) {
        if (!kept.has(key) && row.slot !== null && row.slot < c.truncateBelow)
          this.rows.delete(key);
      }
    }
    this.acked.push(...c.acks);
    this.queued.push(...c.sends);
    this.commits.push(c);
    return { kind: 'committed' };
  }

  /** Background commits land when the harness drains them (before a load, or at the end). */
  drainBackground(epoch: number): void {
    for (const c of this.background.splice(0)) {
      const outcome = this.apply(c, epoch);
      if (outcome.kind !== 'committed') throw new Error(`background commit ${outcome.kind}`);
    }
  }
}

export function describeAction(a: ShellAction): string {
  switch (a.kind) {
    case 'load-durable':
      return 'load-durable';
    case 'commit': {
      const c = a.commit;
      const parts = [`commit #${c.writeSeq}${a.background ? ' (background)' : ''}`];
      if (c.puts.length > 0) parts.push(`puts=${c.puts.map((p) => p.key).join(',')}`);
      if (c.sends.length > 0)
        parts.push(`sends=${c.sends.map((s, i) => `${c.sendTypes[i]}>${s.dst}`).join(',')}`);
      if (c.acks.length > 0) parts.push(`acks=${c.acks.join(',')}`);
      if (c.truncateBelow > 0) parts.push(`truncate<${c.truncateBelow}`);
      return parts.join(' ');
    }
    case 'dead-letter':
      return `dead-letter ${a.id} ${a.reason}`;
    case 'release':
      return `release ${a.ids.join(',')}`;
    case 'deliver':
      return `deliver ${a.envelopes.map((e) => `${e.message.type}>${e.to}`).join(',')}${a.events.length ? ` events=${a.events.join(',')}` : ''}`;
  }
}

/** Drives the core until it has nothing to do; returns the transcript of this run. */
export function run<S>(
  core: ShellCore<S, null>,
  api: FakeDataApi,
  now = 0,
  limit = 1_000,
): string[] {
  const lines: string[] = [];
  for (let i = 0; i < limit; i++) {
    const action = core.next(now);
    if (action === null) {
      api.transcript.push(...lines);
      return lines;
    }
    lines.push(describeAction(action));
    let outcome: ShellOutcome = { kind: 'done' };
    switch (action.kind) {
      case 'load-durable':
        api.drainBackground(core.currentEpoch);
        outcome = { kind: 'loaded', durable: api.durable() };
        break;
      case 'commit':
        if (action.background) api.background.push(action.commit);
        else {
          outcome = api.apply(action.commit, core.currentEpoch);
          if (outcome.kind === 'refused') lines.push(`  refused #${action.commit.writeSeq}`);
        }
        break;
      case 'dead-letter':
        api.deadLetters.push({ id: action.id, reason: action.reason });
        break;
      case 'release':
        api.released.push(...action.ids);
        break;
      case 'deliver':
        api.delivered.push(...action.envelopes);
        break;
    }
    core.settle(outcome, now);
  }
  throw new Error('the core did not go idle');
}

export interface Recorded {
  deadLettered: string[];
  droppedLocal: string[];
  tooLarge: string[];
  isolating: number[];
}

export function newCore<S = ProbeState>(
  overrides: Partial<ShellCoreOptions<S, null>> = {},
): { core: ShellCore<S, null>; recorded: Recorded } {
  const recorded: Recorded = { deadLettered: [], droppedLocal: [], tooLarge: [], isolating: [] };
  const observer: ShellObserver = {
    deadLettered: (id, reason) => recorded.deadLettered.push(`${id} ${reason}`),
    droppedLocal: (m, reason) => recorded.droppedLocal.push(`${m.type} ${reason}`),
    tooLarge: (detail) => recorded.tooLarge.push(detail),
    isolating: (inputs) => recorded.isolating.push(inputs),
  };
  let n = 0;
  const core = new ShellCore<S, null>({
    processId: 'acceptor-0',
    role: probeRole as unknown as Role<S, null>,
    config: null,
    claimBatch: 16,
    maxAttempts: 5,
    newId: () => `s${++n}`,
    observer,
    ...overrides,
  });
  return { core, recorded };
}

export { CorruptStateError };

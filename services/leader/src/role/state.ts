import {
  BOTTOM_BALLOT,
  firstBallot,
  majorityOf,
  type Ballot,
  type Batch,
  type PValue,
  type ProcessId,
  type Slot,
} from '@paxos/shared';
import { resolveLeaderConfig, type LeaderConfig, type ResolvedLeaderConfig } from './config';
import type { AcceptorCoverage } from './p1b-coverage';

/** Phase 1 for one ballot (PMMC's scout), kept inside the leader. */
export interface Scout {
  ballot: Ballot;
  /**
   * Acceptors not counted yet: the p1b pages held from them do not cover every slot from their
   * horizon up. A page counts only while its sender is in here.
   */
  waitingFor: Set<ProcessId>;
  /**
   * The page intervals held from acceptors in waitingFor (p1b-coverage.ts), bounded per
   * acceptor; an acceptor's entry goes when it is counted, and all of it with the scout.
   */
  coverage: Map<ProcessId, AcceptorCoverage>;
  /** pmax so far: the highest-ballot pvalue per slot over the pages received. */
  pvalues: Map<Slot, PValue>;
  retransmitAt: number;
  /** Rounds of p1a re-sent so far: each doubles the wait before the next (retransmission.ts). */
  retransmits: number;
}

/** Phase 2 for one slot (PMMC's commander), kept inside the leader. */
export interface Commander {
  ballot: Ballot;
  slot: Slot;
  value: Batch;
  waitingFor: Set<ProcessId>;
  /** Thrifty phase 2: acceptors not sent the p2a yet; they get it when retransmitAt comes. */
  spares: ProcessId[];
  /** When the next round is due; a round the tick's byte budget put off stays due. */
  retransmitAt: number;
  /** Rounds of p2a re-sent to silent acceptors so far (the spares' round not counted). */
  retransmits: number;
  /** What one p2a of this commander costs in a step commit's body (retransmission.ts). */
  p2aBodyBytes: number;
  startedAt: number;
}

/** Failure detection: the holder of the highest ballot seen, and when it last showed life. */
export interface LeaderWatch {
  leaderId: ProcessId | null;
  ballot: Ballot;
  lastHeardAt: number;
  /**
   * The silence clock was restarted once for this leader's own stall
   * (restartSilenceAfterOwnStall) and nothing was heard since: a second late timer scouts.
   */
  stallForgiven?: boolean;
}

/** Plain counters for metrics; never read by the protocol. */
export interface LeaderCounters {
  scoutsStarted: number;
  adoptions: number;
  preemptions: number;
  commandersStarted: number;
  decisions: number;
  decisionsResent: number;
  retransmits: number;
  /**
   * Due p2a rounds a tick left to the next tick because its byte budget was spent (one per
   * commander per tick): how often retransmission would have crowded out everything else.
   */
  retransmitsDeferred: number;
  /** p2a sent to spare acceptors because a thrifty commander's majority was slow. */
  sparesAsked: number;
  heartbeatsSent: number;
  /** Times the garbage-collection horizon rose, and collect messages sent to acceptors. */
  horizonAdvances: number;
  collectsSent: number;
  staleIgnored: number;
  duplicatesIgnored: number;
  unexpectedIgnored: number;
  /** p1b page intervals a scout forgot (too many gaps held from one acceptor); asked again. */
  p1bIntervalsForgotten: number;
  /** `behind` sent to replicas below the horizon (they catch up by state transfer). */
  behindSent: number;
}

export interface LeaderState {
  readonly config: ResolvedLeaderConfig;
  /** The configuration this leader serves: its epoch (every ballot's) and its slot range. */
  readonly epoch: number;
  readonly startSlot: Slot;
  /** The first slot of the next configuration, once known (leader-process.ts); null: open. */
  endSlot: Slot | null;
  /** Position in cluster.leaders: staggers timeouts so leader-0 tends to win ties. */
  readonly index: number;
  /** The ballot in use (active or scouting), or the one to scout with next (passive). */
  ballot: Ballot;
  active: boolean;
  proposals: Map<Slot, Batch>;
  /** Slots this leader saw decided, to answer a replica that re-proposes (it missed them). */
  decided: Map<Slot, Batch>;
  scout: Scout | null;
  commanders: Map<Slot, Commander>;
  watch: LeaderWatch;
  /** Added to the failure-detection timeout; doubles per preemption, resets on adoption. */
  backoffMs: number;
  /** Passive and not scouting: when to start the next scout. */
  scoutDueAt: number | null;
  /** Active: when to send the next heartbeat. */
  heartbeatDueAt: number | null;
  /** The slot of the decision last re-sent with a heartbeat (0: none), and beats since. */
  beaconSlot: number;
  beatsSinceBeacon: number;
  /**
   * The highest slotOut each replica has reported (progress). Soft state: reports keep coming
   * while replicas make progress, and a leader that lost them only collects later.
   */
  replicaSlotOut: Map<ProcessId, Slot>;
  /**
   * When each acceptor last answered a p1a or p2a (soft state). A thrifty commander sends its
   * p2a to the majority heard from most recently.
   */
  acceptorHeardAt: Map<ProcessId, number>;
  /** Moving average of how long phase 2 took (p2a sent to majority counted), 0 before any. */
  phase2Ms: number;
  /**
   * Garbage-collection horizon: every slot below it is decided and applied by every replica.
   * Learned from the replicas' reports (their minimum) or from acceptors that collected below
   * it (p1b, p2b). Nothing below it is kept, proposed or run through phase 2. Only grows.
   */
  collectedBelow: Slot;
  counters: LeaderCounters;
}

export function newLeaderState(config: LeaderConfig, now: number): LeaderState {
  return {
    config: resolveLeaderConfig(config),
    index: Math.max(0, config.cluster.leaders.indexOf(config.id)),
    epoch: config.epoch ?? 0,
    startSlot: config.startSlot ?? 1,
    endSlot: null,
    ballot: firstBallot(config.id, config.epoch ?? 0),
    active: false,
    proposals: new Map(),
    decided: new Map(),
    scout: null,
    commanders: new Map(),
    watch: { leaderId: null, ballot: BOTTOM_BALLOT, lastHeardAt: now },
    backoffMs: 0,
    scoutDueAt: null,
    heartbeatDueAt: null,
    beaconSlot: 0,
    beatsSinceBeacon: 0,
    replicaSlotOut: new Map(),
    acceptorHeardAt: new Map(),
    phase2Ms: 0,
    collectedBelow: 1,
    counters: {
      scoutsStarted: 0,
      adoptions: 0,
      preemptions: 0,
      commandersStarted: 0,
      decisions: 0,
      decisionsResent: 0,
      retransmits: 0,
      retransmitsDeferred: 0,
      sparesAsked: 0,
      heartbeatsSent: 0,
      horizonAdvances: 0,
      collectsSent: 0,
      staleIgnored: 0,
      duplicatesIgnored: 0,
      unexpectedIgnored: 0,
      p1bIntervalsForgotten: 0,
      behindSent: 0,
    },
  };
}

/** Any p1b or p2b shows its acceptor alive, whatever its ballot. */
export function noteAcceptorHeard(state: LeaderState, from: ProcessId, now: number): void {
  if (state.config.cluster.acceptors.includes(from)) state.acceptorHeardAt.set(from, now);
}

/**
 * The majority of acceptors heard from most recently (never heard: last; ties in cluster
 * order). Live acceptors answer within a round, so a crashed one drops out of this set as
 * soon as the others answer.
 */
export function freshestMajority(state: LeaderState): ProcessId[] {
  const acceptors = state.config.cluster.acceptors;
  const heardAt = (a: ProcessId) => state.acceptorHeardAt.get(a) ?? -Infinity;
  return [...acceptors]
    .sort((a, b) => heardAt(b) - heardAt(a) || acceptors.indexOf(a) - acceptors.indexOf(b))
    .slice(0, majorityOf(acceptors.length));
}

/** True once a majority of acceptors is no longer in `waitingFor` (each counted once). */
export function heardFromMajority(state: LeaderState, waitingFor: ReadonlySet<ProcessId>): boolean {
  const acceptors = state.config.cluster.acceptors.length;
  return acceptors - waitingFor.size >= majorityOf(acceptors);
}

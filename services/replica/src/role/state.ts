import type { Batch, Command, KvStore, OpResult, ProcessId, Slot } from '@paxos/shared';
import type { ReplicaConfig } from './config';

/** What a performed command answered; kept so a retrying client gets the same answer. */
export interface CachedResponse {
  clientId: string;
  requestId: string;
  slot: Slot;
  result: OpResult;
}

/** Acceptors that accepted one (ballot, slot), and the value that ballot carries there. */
export interface AcceptanceTally {
  value: Batch;
  acceptors: Set<ProcessId>;
}

/** Plain counters for metrics; never read by the protocol. */
export interface ReplicaCounters {
  commandsReceived: number;
  answeredFromCache: number;
  duplicatesIgnored: number;
  staleIgnored: number;
  unexpectedIgnored: number;
  proposalsSent: number;
  reproposals: number;
  noopsProposed: number;
  decisions: number;
  /** `accepted` messages counted, and decisions learned from a majority of them. */
  acceptancesHeard: number;
  decisionsLearned: number;
  slotsApplied: number;
  commandsPerformed: number;
  duplicateCommandsSkipped: number;
  commandsRequeued: number;
  snapshots: number;
  progressReports: number;
}

/**
 * A replica (PMMC section 2) whose slots decide batches of commands. Maps are keyed by slot
 * so everything below a slot can be dropped at once.
 */
export interface ReplicaState {
  readonly config: ReplicaConfig;
  /** Bumped and persisted at every recovery so batch ids never repeat across restarts. */
  incarnation: number;
  nextBatchSeq: number;
  /** The next slot this replica may propose into. Slots start at 1. */
  slotIn: Slot;
  /** The first slot not yet applied. */
  slotOut: Slot;
  /** Pending client commands by commandKey, in arrival order. */
  requests: Map<string, Command>;
  /** This replica's proposals at slots it has not applied yet. */
  proposals: Map<Slot, Batch>;
  /** commandKey -> the slot of the proposal carrying it (a command is in at most one). */
  proposedSlotOf: Map<string, Slot>;
  /** Decisions known at or above the last snapshot's slotOut (older ones are truncated). */
  decisions: Map<Slot, Batch>;
  /**
   * Acceptances heard for slots not decided here yet, by slot, then by ballot (volatile).
   * Dropped when the slot is decided or applied.
   */
  acceptances: Map<Slot, Map<string, AcceptanceTally>>;
  /** The highest slot with a known decision (0: none). Above slotOut it means a gap blocks us. */
  highestDecidedSlot: number;
  kv: KvStore;
  /** commandKey -> what it answered, oldest first (bounded: see response-cache.ts). */
  responses: Map<string, CachedResponse>;
  /** clientId -> its cached commandKeys, oldest first. */
  responseKeysByClient: Map<string, string[]>;
  /** slotOut when the last snapshot was written (1: none yet). */
  snapshotSlotOut: Slot;
  /**
   * The slotOut of the last progress report to the leaders (1: none yet in this life). Leaders
   * keep reports in memory only, so a restarted replica reports again once.
   */
  slotOutReported: Slot;
  /** When to re-send outstanding proposals and fill a blocking gap; null when idle. */
  retryDueAt: number | null;
  /** Other replicas -> when one of their batches was last decided (volatile; slot-sharing.ts). */
  partnerSeenAt: Map<string, number>;
  counters: ReplicaCounters;
}

export function newReplicaState(config: ReplicaConfig): ReplicaState {
  return {
    config,
    incarnation: 0,
    nextBatchSeq: 0,
    slotIn: 1,
    slotOut: 1,
    requests: new Map(),
    proposals: new Map(),
    proposedSlotOf: new Map(),
    decisions: new Map(),
    acceptances: new Map(),
    highestDecidedSlot: 0,
    kv: new Map(),
    responses: new Map(),
    responseKeysByClient: new Map(),
    snapshotSlotOut: 1,
    slotOutReported: 1,
    retryDueAt: null,
    partnerSeenAt: new Map(),
    counters: {
      commandsReceived: 0,
      answeredFromCache: 0,
      duplicatesIgnored: 0,
      staleIgnored: 0,
      unexpectedIgnored: 0,
      proposalsSent: 0,
      reproposals: 0,
      noopsProposed: 0,
      decisions: 0,
      acceptancesHeard: 0,
      decisionsLearned: 0,
      slotsApplied: 0,
      commandsPerformed: 0,
      duplicateCommandsSkipped: 0,
      commandsRequeued: 0,
      snapshots: 0,
      progressReports: 0,
    },
  };
}

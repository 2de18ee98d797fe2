import {
  initialConfiguration,
  type Batch,
  type Command,
  type ConfigEntry,
  type KvStore,
  type OpResult,
  type ProcessId,
  type SnapshotPart,
  type Slot,
} from '@paxos/shared';
import { replicaBounds, type ReplicaBounds, type ReplicaConfig } from './config';
import { newReadIndexState, type ReadIndexState } from './reads';
import { newWatchHistory, type WatchHistory } from './watch-history';

/**
 * What a performed command answered; kept so a retrying client gets the same answer, and
 * with the digest of the operation that ran, so a request number reused with another
 * operation is told apart from a retry.
 */
export interface CachedAnswer {
  sessionId: number;
  requestId: number;
  slot: Slot;
  result: OpResult;
  opDigest: string;
  /** The answer's value as JSON bytes, counted against responseCacheJsonBytesMax. */
  valueJsonBytes: number;
}
/** The name the rest of the fleet knew; same thing. */
export type CachedResponse = CachedAnswer;

/**
 * A client session (Raft dissertation 6.3), created when its registration is applied.
 * `floor`: the highest request number whose answer was evicted; a request at or below it that
 * is not cached is refused (its outcome is unknown), never run.
 */
export interface Session {
  id: number;
  /** The slot of the last command it ran (or of its registration). */
  lastActiveSlot: number;
  floor: number;
  /** requestId -> answer (the same objects as in ReplicaState.responses). */
  answers: Map<number, CachedAnswer>;
}

/** A client command waiting for a slot, with its size (measured once, when it arrives). */
export interface PendingCommand {
  command: Command;
  jsonBytes: number;
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
  sessionsRegistered: number;
  sessionsEvicted: number;
  /** Answers evicted from the cache (their floors raised), per session or for bytes. */
  answersEvicted: number;
  /** Refusals by kind, at request time or when the decided command was performed. */
  refusedSessionUnknown: number;
  refusedRequestTooOld: number;
  refusedKvQuota: number;
  /** Pending commands dropped because nobody waits for them any more. */
  withdrawn: number;
  /** Commands larger than LIMITS.commandJsonBytesMax that reached the role (the shell refuses them). */
  oversizedIgnored: number;
  /** Reconfigurations applied (a new configuration scheduled), and refused. */
  reconfigurations: number;
  reconfigurationsRefused: number;
  /** State transfer: snapshots asked for, sent to others, and installed here. */
  snapshotsRequested: number;
  snapshotsSent: number;
  snapshotsInstalled: number;
  /** Reads without a slot (reads.ts): answered after a probe, at once, through the log instead. */
  readsServed: number;
  readsServedSerializable: number;
  readsThroughLog: number;
  readProbesSent: number;
  /** Probes whose first majority was late, so every acceptor was asked. */
  readProbesWidened: number;
}

/** A snapshot arriving from another replica (state transfer), chunk by chunk (volatile). */
export interface IncomingSnapshot {
  from: ProcessId;
  slotOut: Slot;
  parts: number;
  head: { configs: ConfigEntry[]; formerMembers: ProcessId[] } | null;
  data: Map<number, SnapshotPart>;
  /** When its last chunk arrived: while chunks keep coming, nobody else is asked. */
  lastChunkAt: number;
}

/**
 * Catching up by state transfer: wanted when this replica is below the leaders' horizon (its
 * missing decisions are collected) or joins with no state; it asks one replica at a time, the
 * next after retryMs of silence.
 */
export interface TransferState {
  wanted: boolean;
  askedAt: number | null;
  asks: number;
  incoming: IncomingSnapshot | null;
  /** Snapshots this replica sent, by requester, and when: one per requester per retryMs. */
  sentAt: Map<ProcessId, number>;
  /** slotOut at the last retry tick: a joining replica that did not move since asks for a snapshot. */
  slotOutAtLastRetry: Slot;
}

/**
 * A replica (PMMC section 2) whose slots decide batches of commands. Maps are keyed by slot
 * so everything below a slot can be dropped at once.
 */
export interface ReplicaState {
  readonly config: ReplicaConfig;
  /**
   * The configurations from the one governing slotOut on (configuration.ts), learned from the
   * log: the one in force, then at most one pending. Part of the applied state (snapshots carry
   * it); every replica that applied the same slots holds the same schedule.
   */
  configs: ConfigEntry[];
  /** Ids that left a configuration: never allowed back (a replacement takes a new id). */
  formerMembers: ProcessId[];
  transfer: TransferState;
  /** The configuration's outcome-deciding bounds, resolved once. */
  readonly bounds: ReplicaBounds;
  /** Bumped and persisted at every recovery so batch ids never repeat across restarts. */
  incarnation: number;
  nextBatchSeq: number;
  /** The next slot this replica may propose into. Slots start at 1. */
  slotIn: Slot;
  /** The first slot not yet applied. */
  slotOut: Slot;
  /** Pending client commands by commandKey, in arrival order, ready to be proposed. */
  requests: Map<string, PendingCommand>;
  /**
   * Pending commands of sessions registered at a slot not applied here yet (another replica
   * applied it first and told the client): proposed once slotOut passes that slot, so that
   * the command is decided after its registration.
   */
  awaitingRegistration: Map<string, PendingCommand>;
  /** This replica's proposals at slots it has not applied yet. */
  proposals: Map<Slot, Batch>;
  /** commandKey -> the slot of the proposal carrying it (a command is in at most one). */
  proposedSlotOf: Map<string, Slot>;
  /** Decisions known and not yet applied (at or above slotOut; applied ones are only durable). */
  decisions: Map<Slot, Batch>;
  /**
   * Acceptances heard for slots not decided here yet, by slot, then by ballot (volatile).
   * Dropped when the slot is decided or applied.
   */
  acceptances: Map<Slot, Map<string, AcceptanceTally>>;
  /** The highest slot with a known decision (0: none). Above slotOut it means a gap blocks us. */
  highestDecidedSlot: number;
  kv: KvStore;
  /** UTF-8 bytes of every key and value in `kv`, kept as writes happen (kv-quota.ts). */
  kvBytes: number;
  /** The changes behind the watch feed (watch-history.ts); this replica's own, not replicated. */
  history: WatchHistory;
  /**
   * The session table, in order of last activity: lastActiveSlot never decreases along the
   * map (an active session is moved to the end), so the least recently active come first.
   */
  sessions: Map<number, Session>;
  /** commandKey -> its cached answer, every session's, oldest first (response-cache.ts). */
  responses: Map<string, CachedAnswer>;
  /** The sum of `responses`' valueJsonBytes. */
  responseValueBytes: number;
  /** slotOut when the last snapshot was written (1: none yet). */
  snapshotSlotOut: Slot;
  /**
   * The slotOut of the last progress report to the leaders (1: none yet in this life). Leaders
   * keep reports in memory only, so a restarted replica reports again once.
   */
  slotOutReported: Slot;
  /**
   * The newest epoch the last progress report carried: a newly scheduled configuration is
   * reported at once, so its leaders learn of it before its first slot comes.
   */
  epochReported: number;
  /** When to re-send outstanding proposals and fill a blocking gap; null when idle. */
  retryDueAt: number | null;
  /** Other replicas -> when one of their batches was last decided (volatile; slot-sharing.ts). */
  partnerSeenAt: Map<string, number>;
  /** Reads waiting for a read probe (reads.ts; volatile). */
  reads: ReadIndexState;
  counters: ReplicaCounters;
}

export function newReplicaState(config: ReplicaConfig): ReplicaState {
  return {
    config,
    configs: [{ startSlot: 1, config: initialConfiguration(config.cluster, config.windowSlots) }],
    formerMembers: [],
    transfer: {
      wanted: false,
      askedAt: null,
      asks: 0,
      incoming: null,
      sentAt: new Map(),
      slotOutAtLastRetry: 0,
    },
    bounds: replicaBounds(config),
    incarnation: 0,
    nextBatchSeq: 0,
    slotIn: 1,
    slotOut: 1,
    requests: new Map(),
    awaitingRegistration: new Map(),
    proposals: new Map(),
    proposedSlotOf: new Map(),
    decisions: new Map(),
    acceptances: new Map(),
    highestDecidedSlot: 0,
    kv: new Map(),
    kvBytes: 0,
    history: newWatchHistory(1),
    sessions: new Map(),
    responses: new Map(),
    responseValueBytes: 0,
    snapshotSlotOut: 1,
    slotOutReported: 1,
    epochReported: 0,
    retryDueAt: null,
    partnerSeenAt: new Map(),
    reads: newReadIndexState(),
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
      sessionsRegistered: 0,
      sessionsEvicted: 0,
      answersEvicted: 0,
      refusedSessionUnknown: 0,
      refusedRequestTooOld: 0,
      refusedKvQuota: 0,
      withdrawn: 0,
      oversizedIgnored: 0,
      reconfigurations: 0,
      reconfigurationsRefused: 0,
      snapshotsRequested: 0,
      snapshotsSent: 0,
      snapshotsInstalled: 0,
      readsServed: 0,
      readsServedSerializable: 0,
      readsThroughLog: 0,
      readProbesSent: 0,
      readProbesWidened: 0,
    },
  };
}

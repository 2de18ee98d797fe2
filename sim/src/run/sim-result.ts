import type { InvariantViolation } from '../checkers/violation';
import type { AdversaryPlan } from '../clients/adversaries';
import type { ClientOperation } from '../clients/client-operation';

export interface SimStats {
  events: number;
  messagesSent: number;
  messagesDropped: number;
  messagesDuplicated: number;
  messagesCut: number;
  messagesToDownProcess: number;
  crashes: number;
  restarts: number;
  partitions: number;
  commands: number;
  /** Operations with an outcome (any of them: 200, 400, 409, 410, 413). */
  answered: number;
  /** Refused at the client API boundary (400, 413 too-large): never sent. */
  refusedAtBoundary: number;
  /** 409: the number had run another operation. */
  conflicts: number;
  /** 410: session unknown or answer gone; the outcome is unknown. */
  unknownOutcomes: number;
  /** 413 kv-quota-exceeded. */
  quotaRefusals: number;
  /** Sessions the clients were given (a client hopping sessions gets many). */
  sessionsRegistered: number;
  /** Reused and late request numbers sent, and how they were answered. */
  probes: number;
  probesAnsweredOriginal: number;
  probesRefused: number;
  probesRanAgain: number;
  /** The largest message any role sent and the largest value any role made durable, as JSON. */
  messageMaxJsonBytes: number;
  stateWriteMaxJsonBytes: number;
  /** The replicas' common slotOut at the end (the highest one if they differ). */
  slotOut: number;
  endMs: number;
  /** The linearizability checker gave up (search budget); not a violation. */
  linearizabilityUnknown: boolean;
  /** The highest horizon any acceptor garbage-collected below (1: nothing collected). */
  collectedBelow: number;
  /** The most pvalues any p1b carried: bounded by garbage collection, not by the run's length. */
  p1bMaxPValues: number;
  /** Decisions the replicas learned from a majority of acceptors, in their last lives. */
  decisionsLearned: number;
  /** The seed's reconfiguration scenario (null: none). */
  scenario: string | null;
  /** The newest configuration at the end, as describeConfiguration writes it. */
  finalConfiguration: string;
  /** Reconfigurations that came into force and settled, and members stopped for good. */
  reconfigurations: number;
  membersStopped: number;
  /** The operator's replica outages, the collections while they lasted, and how often the
   * replica came back below the horizon (it must then catch up by state transfer). */
  outages: number;
  outageCollections: number;
  outagesBehindHorizon: number;
  /** Of those, the ones that then caught up by installing another replica's snapshot. */
  outagesCaughtUpBySnapshot: number;
  /** State transfer: `behind` sent by leaders, snapshots installed by replicas. */
  behindSent: number;
  snapshotsInstalled: number;
}

export interface SimResult {
  seed: number;
  volatileAcceptors: boolean;
  /** The adversaries this seed met. */
  adversaries: AdversaryPlan;
  violation: InvariantViolation | null;
  /** Simulated time when the violation was found. */
  violationAtMs: number | null;
  /** sha256 over every event in order: equal for two runs of one seed. */
  digest: string;
  stats: SimStats;
  history: ClientOperation[];
}

export function emptyStats(): SimStats {
  return {
    events: 0,
    messagesSent: 0,
    messagesDropped: 0,
    messagesDuplicated: 0,
    messagesCut: 0,
    messagesToDownProcess: 0,
    crashes: 0,
    restarts: 0,
    partitions: 0,
    commands: 0,
    decisionsLearned: 0,
    answered: 0,
    refusedAtBoundary: 0,
    conflicts: 0,
    unknownOutcomes: 0,
    quotaRefusals: 0,
    sessionsRegistered: 0,
    probes: 0,
    probesAnsweredOriginal: 0,
    probesRefused: 0,
    probesRanAgain: 0,
    messageMaxJsonBytes: 0,
    stateWriteMaxJsonBytes: 0,
    slotOut: 0,
    endMs: 0,
    linearizabilityUnknown: false,
    collectedBelow: 1,
    p1bMaxPValues: 0,
    scenario: null,
    finalConfiguration: '',
    reconfigurations: 0,
    membersStopped: 0,
    outages: 0,
    outageCollections: 0,
    outagesBehindHorizon: 0,
    outagesCaughtUpBySnapshot: 0,
    behindSent: 0,
    snapshotsInstalled: 0,
  };
}

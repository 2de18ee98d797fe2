import { z } from 'zod';
import { BallotSchema } from './ballot';
import {
  BatchSchema,
  CommandSchema,
  OpResultSchema,
  RequestIdSchema,
  SessionIdSchema,
} from './command';
import { describeIssues } from './issues';
import { LIMITS } from './limits';
import { ProcessIdSchema } from './ids';
import { ConfigEntrySchema, ConfigScheduleSchema } from './configuration';
import { SnapshotPartSchema } from './snapshot';

/**
 * Every message that crosses the queue, one zod schema each, discriminated on `type`.
 * `from` is the sending process. Slots start at 1.
 */
export const SlotSchema = z.number().int().min(1);
export type Slot = z.infer<typeof SlotSchema>;

/** <ballot, slot, value>: what an acceptor accepts and a commander proposes. */
export const PValueSchema = z.object({
  ballot: BallotSchema,
  slot: SlotSchema,
  value: BatchSchema,
});
export type PValue = z.infer<typeof PValueSchema>;

const from = ProcessIdSchema;

/**
 * client -> replica. A batch of client commands (the HTTP shell coalesces what arrived
 * together). `from` is a client destination (ids.ts: `client:<sessionId>`).
 */
export const RequestSchema = z.object({
  type: z.literal('request'),
  from,
  commands: z.array(CommandSchema).min(1).max(LIMITS.batchCommandsMax),
});

/**
 * replica -> client (to `clientDestination(sessionId)`, never through the queue): the outcome of
 * one command, sent once it is performed (or again, from the cache). `opDigest` is the digest of
 * the operation that ran under this request number (command.ts), so a request number reused with
 * another operation is told apart from a retry.
 */
export const ResponseSchema = z.object({
  type: z.literal('response'),
  from,
  sessionId: SessionIdSchema,
  requestId: RequestIdSchema,
  slot: SlotSchema,
  result: OpResultSchema,
  opDigest: z.string().min(1).max(64),
  /**
   * Set on a read answered without a slot of its own (docs/reads.md): `slot` is then the last
   * slot the replica had applied when it read, not a slot holding this command.
   * `linearizable`: after a read probe; `serializable`: at once, possibly stale.
   */
  read: z.enum(['linearizable', 'serializable']).optional(),
});

/**
 * client shell -> its replica (local, never queued): nobody waits for this command any more
 * (the client disconnected or timed out), so a replica that has not proposed it yet drops it.
 * Its outcome stays unknown to the client, which may retry with the same request number.
 */
export const WithdrawSchema = z.object({
  type: z.literal('withdraw'),
  from,
  sessionId: SessionIdSchema,
  requestId: RequestIdSchema,
});

/**
 * replica -> the leaders of the configuration governing `slot`: please decide `value` there.
 * `configEntry` is that configuration and its first slot when it is not the initial one (epoch
 * 0, absent): the leader runs the slot in that configuration's Paxos instance, and learns the
 * configuration from it.
 */
export const ProposeSchema = z.object({
  type: z.literal('propose'),
  from,
  slot: SlotSchema,
  value: BatchSchema,
  configEntry: ConfigEntrySchema.optional(),
});

/** leader (commander) -> replicas: `slot` is decided as `value`. */
export const DecisionSchema = z.object({
  type: z.literal('decision'),
  from,
  slot: SlotSchema,
  value: BatchSchema,
});

/** leader (scout) -> acceptors: phase 1a. */
export const P1aSchema = z.object({ type: z.literal('p1a'), from, ballot: BallotSchema });

/**
 * acceptor -> leader: phase 1b. `ballot` is the acceptor's ballot after handling the p1a;
 * `accepted` holds the highest-ballot pvalue per slot at or above `collectedBelow`: slots below
 * it were garbage-collected (decided and applied by every replica).
 *
 * A reply is paged so that no message outgrows the data API's body limit (limits.ts): a page
 * covers the slots from `coversFrom` (absent: from `collectedBelow`) up to but excluding
 * `coversBefore` (null: every slot above). The leader counts an acceptor once the pages it holds
 * from it for the ballot cover every slot from that acceptor's horizon up.
 */
export const P1bSchema = z.object({
  type: z.literal('p1b'),
  from,
  ballot: BallotSchema,
  accepted: z.array(PValueSchema),
  collectedBelow: SlotSchema.default(1),
  coversFrom: SlotSchema.optional(),
  coversBefore: SlotSchema.nullable().default(null),
});

/**
 * leader (commander) -> acceptors: phase 2a. `learners`, when replicas learn from the acceptors,
 * names the replicas of the slot's configuration, to be told of the acceptance.
 */
export const P2aSchema = z.object({
  type: z.literal('p2a'),
  from,
  pvalue: PValueSchema,
  learners: z.array(ProcessIdSchema).max(LIMITS.configMembersMax).optional(),
});

/**
 * acceptor -> leader: phase 2b. `ballot` is the acceptor's ballot after handling the p2a.
 * `collectedBelow` is set only when `slot` was already garbage-collected there: the p2a was not
 * accepted (the slot is decided and applied by every replica), and the leader learns the horizon.
 */
export const P2bSchema = z.object({
  type: z.literal('p2b'),
  from,
  ballot: BallotSchema,
  slot: SlotSchema,
  collectedBelow: SlotSchema.optional(),
});

/**
 * acceptor -> replicas (learners): this acceptor has durably accepted `pvalue`. A replica that
 * holds such messages from a majority of acceptors for the same ballot and slot knows the slot
 * is decided, one hop sooner than through the leader's `decision`. Sent along with the p2b.
 */
export const AcceptedSchema = z.object({
  type: z.literal('accepted'),
  from,
  pvalue: PValueSchema,
});

/** scout -> its leader (internal to the leader's step): a majority adopted `ballot`. */
export const AdoptedSchema = z.object({
  type: z.literal('adopted'),
  from,
  ballot: BallotSchema,
  accepted: z.array(PValueSchema),
});

/** scout or commander -> its leader (internal): a higher ballot was seen. */
export const PreemptedSchema = z.object({
  type: z.literal('preempted'),
  from,
  ballot: BallotSchema,
});

/**
 * leader -> other leaders: liveness. An active leader announces its ballot periodically;
 * a passive leader starts a new scout only after the holder of the highest ballot it knows
 * has been silent for its failure-detection timeout (paper section 3: no dueling forever).
 */
export const HeartbeatSchema = z.object({
  type: z.literal('heartbeat'),
  from,
  ballot: BallotSchema,
  active: z.boolean(),
});

/**
 * replica -> leaders: progress report. `slotOut` is the first slot the replica has not
 * applied. Leaders use it to re-send decisions a replica is missing, and to compute the
 * garbage-collection horizon (every slot below the minimum over all replicas).
 * `wantsDecisions: false` marks a plain report (for garbage collection) from a replica that is
 * not blocked: re-sending the decisions at and above slotOut would only duplicate those in
 * flight. Absent means true, the original meaning of the message.
 */
export const ProgressSchema = z.object({
  type: z.literal('progress'),
  from,
  slotOut: SlotSchema,
  wantsDecisions: z.boolean().optional(),
  /**
   * The configurations the replica knows from the one governing slotOut on (absent: only the
   * initial one). Leaders learn from it which configurations they serve and where each ends.
   */
  configs: ConfigScheduleSchema.optional(),
});

/**
 * active leader -> acceptors: garbage collection. Every slot below `belowSlot` is decided and
 * applied by every replica (the minimum of their progress reports), so no phase 1 will ever
 * need those pvalues again: the acceptor may drop them and reports `collectedBelow` in p1b.
 */
export const CollectSchema = z.object({
  type: z.literal('collect'),
  from,
  belowSlot: SlotSchema,
  /**
   * Every configuration below this epoch governs only slots below belowSlot: an acceptor drops
   * its promises for them and refuses their ballots from now on.
   */
  epochsBelow: z.number().int().min(0).optional(),
});

/**
 * leader -> a replica that reported a slotOut below the horizon: the decisions it misses were
 * garbage-collected, so it must catch up from another replica's snapshot (state transfer).
 */
export const BehindSchema = z.object({
  type: z.literal('behind'),
  from,
  collectedBelow: SlotSchema,
});

/** replica -> replica: send me a snapshot of your applied state (mine is below `slotOut`). */
export const SnapshotRequestSchema = z.object({
  type: z.literal('snapshot-request'),
  from,
  slotOut: SlotSchema,
});

/**
 * replica -> replica: one chunk of a snapshot of the sender's state at `slotOut`: its head or
 * one data part (bounded by LIMITS.snapshotPartJsonBytesMax). The receiver installs it once it
 * holds the head and all `parts` data parts of that snapshot from that sender.
 */
export const SnapshotChunkSchema = z.object({
  type: z.literal('snapshot-chunk'),
  from,
  slotOut: SlotSchema,
  /** How many data parts the snapshot has; the receiver needs them all and the head. */
  parts: z.number().int().min(1).max(LIMITS.snapshotPartsMax),
  /** The head (one chunk of each snapshot): whom the receiver works with from slotOut on. */
  head: z
    .object({
      configs: ConfigScheduleSchema,
      formerMembers: z.array(ProcessIdSchema).max(LIMITS.formerMembersMax),
    })
    .optional(),
  /** A data part (every other chunk). */
  data: SnapshotPartSchema.optional(),
});

/**
 * replica -> the acceptors of every configuration governing a slot it has not applied: a read
 * index request (docs/reads.md). The reads waiting for it arrived before it was sent.
 */
export const ReadProbeSchema = z.object({
  type: z.literal('read-probe'),
  from,
  probeId: z.string().min(1).max(LIMITS.readProbeIdCharsMax),
});

/**
 * acceptor -> the replica that probed: every slot this acceptor has accepted (or collected) is
 * at most `acceptedThrough` (0: none). It only grows at an acceptor, so a slot decided before
 * the probe was sent is at most the largest value a majority of its acceptors reply.
 */
export const ReadProbeReplySchema = z.object({
  type: z.literal('read-probe-reply'),
  from,
  probeId: z.string().min(1).max(LIMITS.readProbeIdCharsMax),
  acceptedThrough: z.number().int().min(0),
});

/**
 * replica -> its own watch feed (local, to WATCH_FEED_DESTINATION in watch.ts, never queued):
 * every slot below `slotOut` is applied and the step that applied it is committed, so its
 * changes may be published. Delivered after the commit like a response.
 */
export const AppliedSchema = z.object({
  type: z.literal('applied'),
  from,
  slotOut: SlotSchema,
});

export const MessageSchema = z.discriminatedUnion('type', [
  RequestSchema,
  ResponseSchema,
  WithdrawSchema,
  ProposeSchema,
  DecisionSchema,
  P1aSchema,
  P1bSchema,
  P2aSchema,
  P2bSchema,
  AcceptedSchema,
  AdoptedSchema,
  PreemptedSchema,
  HeartbeatSchema,
  ProgressSchema,
  CollectSchema,
  BehindSchema,
  SnapshotRequestSchema,
  SnapshotChunkSchema,
  ReadProbeSchema,
  ReadProbeReplySchema,
  AppliedSchema,
]);
export type Message = z.infer<typeof MessageSchema>;
export type MessageType = Message['type'];
export type MessageOf<T extends MessageType> = Extract<Message, { type: T }>;

export type Request = MessageOf<'request'>;
export type Response = MessageOf<'response'>;
export type Withdraw = MessageOf<'withdraw'>;
export type Propose = MessageOf<'propose'>;
export type Decision = MessageOf<'decision'>;
export type P1a = MessageOf<'p1a'>;
export type P1b = MessageOf<'p1b'>;
export type P2a = MessageOf<'p2a'>;
export type P2b = MessageOf<'p2b'>;
export type Accepted = MessageOf<'accepted'>;
export type Adopted = MessageOf<'adopted'>;
export type Preempted = MessageOf<'preempted'>;
export type Heartbeat = MessageOf<'heartbeat'>;
export type Progress = MessageOf<'progress'>;
export type Collect = MessageOf<'collect'>;
export type Behind = MessageOf<'behind'>;
export type SnapshotRequest = MessageOf<'snapshot-request'>;
export type SnapshotChunk = MessageOf<'snapshot-chunk'>;
export type ReadProbe = MessageOf<'read-probe'>;
export type ReadProbeReply = MessageOf<'read-probe-reply'>;
export type Applied = MessageOf<'applied'>;

/** Parses an untrusted payload; a failure carries a readable reason (for the dead-letter table). */
export function parseMessage(
  payload: unknown,
): { ok: true; message: Message } | { ok: false; reason: string } {
  const result = MessageSchema.safeParse(payload);
  if (result.success) return { ok: true, message: result.data };
  return { ok: false, reason: describeIssues(result.error.issues) };
}

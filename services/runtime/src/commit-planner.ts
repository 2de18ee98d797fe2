import {
  LIMITS,
  bodyBytesOfRawJson,
  jsonTextCost,
  stepCommitVariablesOf,
  utf8Bytes,
} from '@paxos/shared';

/**
 * Splits one step's writes into step commits whose request bodies stay within a byte budget
 * (LIMITS.commitBodyBytesMax), measured exactly as QueueApi serializes a step_commit (see
 * stepCommitVariablesOf: the message JSON sits in the `sends` string, which sits in the body,
 * so its `"` and `\` double twice; a put's value JSON doubles once).
 *
 * The order keeps the guarantees of a single commit across several:
 *   1. every put, in op order, possibly over several commits: nothing is sent before the state
 *      it announces is durable (persist before you reply);
 *   2. then every send, in order;
 *   3. the acks and the truncation in the LAST commit: a crash in between re-delivers the inputs
 *      (the role handles them again as duplicates), and truncation only ever drops.
 * A commit may hold the tail of one group and the head of the next; the order is what counts.
 */

/** A durable write with its cost in the body (`{"key":..,"slot":..,"value":..}` in `puts`). */
export interface MeasuredPut {
  key: string;
  slot: number | null;
  value: unknown;
  /** UTF-8 bytes of the value as JSON: what LIMITS.stateWriteJsonBytesMax bounds. */
  valueJsonBytes: number;
  bodyBytes: number;
}

/** A queued message with its cost in the body (`{"id":..,"dst":..,"payload":..}` in `sends`). */
export interface MeasuredSend {
  id: string;
  dst: string;
  /** The message as JSON text. */
  payload: string;
  /** The message's type, for logs and metrics. */
  type: string;
  /** UTF-8 bytes of the payload: what LIMITS.messageJsonBytesMax bounds. */
  payloadJsonBytes: number;
  bodyBytes: number;
}

/** One step_commit's writes, numbered, with its exact body size. */
export interface PlannedCommit {
  writeSeq: number;
  acks: string[];
  puts: Array<{ key: string; slot: number | null; value: unknown }>;
  truncateBelow: number;
  sends: Array<{ id: string; dst: string; payload: string }>;
  /** The sends' message types, in order (for the messages-out counter). */
  sendTypes: string[];
  /** UTF-8 bytes of the request body this commit makes, exactly. */
  bodyBytes: number;
}

export function measurePut(key: string, slot: number | null, value: unknown): MeasuredPut {
  const valueJson = JSON.stringify(value);
  if (valueJson === undefined) throw new RangeError(`durable put ${key} has no JSON value`);
  // The frame with a one-character value, less that character, plus the value as it is embedded.
  const frame = bodyBytesOfRawJson(JSON.stringify({ key, slot, value: 0 })) - 1;
  // One pass over the value's text gives both sizes.
  const cost = jsonTextCost(valueJson);
  return {
    key,
    slot,
    value,
    valueJsonBytes: cost.utf8Bytes,
    bodyBytes: frame + cost.bodyBytesRaw,
  };
}

export function measureSend(id: string, dst: string, payload: string, type: string): MeasuredSend {
  // The frame with an empty payload (`""`, 4 bytes once embedded), less it, plus the payload.
  const frame = bodyBytesOfRawJson(JSON.stringify({ id, dst, payload: '' })) - 4;
  // One pass over the payload gives both sizes.
  const cost = jsonTextCost(payload);
  return {
    id,
    dst,
    payload,
    type,
    payloadJsonBytes: cost.utf8Bytes,
    bodyBytes: frame + cost.bodyBytesNested,
  };
}

export function ackBodyBytes(id: string): number {
  return bodyBytesOfRawJson(JSON.stringify(id));
}

/** The body of a commit with empty lists: what every commit costs before its items. */
export function commitBaseBytes(
  processId: string,
  epoch: number,
  writeSeq: number,
  truncateBelow: number,
): number {
  const variables = stepCommitVariablesOf({
    processId,
    epoch,
    writeSeq,
    acks: [],
    puts: [],
    truncateBelow,
    sends: [],
  });
  return utf8Bytes(JSON.stringify(variables));
}

export interface CommitPlanInput {
  processId: string;
  epoch: number;
  /** The first commit's writeSeq; the others follow one by one. */
  firstWriteSeq: number;
  /** One per key, in the order they must land. */
  puts: readonly MeasuredPut[];
  sends: readonly MeasuredSend[];
  acks: readonly string[];
  /** 0: none. Goes with the last commit. */
  truncateBelow: number;
  bodyBytesMax?: number;
}

type Item =
  | { list: 'puts'; bytes: number; put: MeasuredPut }
  | { list: 'sends'; bytes: number; send: MeasuredSend }
  | { list: 'acks'; bytes: number; ack: string };

/** An impossible write: the limits should have made it impossible. */
export class CommitPlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommitPlanError';
  }
}

/**
 * The commits for one step's writes, in the order they must be made; none when there is
 * nothing to write. Throws CommitPlanError if one item alone cannot fit a commit (the caller
 * checks the per-message and per-write limits first, which rule that out).
 */
export function planCommits(input: CommitPlanInput): PlannedCommit[] {
  const bodyBytesMax = input.bodyBytesMax ?? LIMITS.commitBodyBytesMax;
  const items: Item[] = [
    ...input.puts.map((put): Item => ({ list: 'puts', bytes: put.bodyBytes, put })),
    ...input.sends.map((send): Item => ({ list: 'sends', bytes: send.bodyBytes, send })),
    ...input.acks.map((ack): Item => ({ list: 'acks', bytes: ackBodyBytes(ack), ack })),
  ];
  if (items.length === 0 && input.truncateBelow <= 0) return [];

  const groups: Item[][] = [[]];
  // Packing reserves room for the truncation horizon in every commit (only the last gets it):
  // a few digits, and it keeps the decision simple; the recorded sizes below are exact.
  let bytes = 0;
  const baseOf = (index: number): number =>
    commitBaseBytes(input.processId, input.epoch, input.firstWriteSeq + index, input.truncateBelow);
  let base = baseOf(0);
  const counts = { puts: 0, sends: 0, acks: 0 };
  for (const item of items) {
    const group = groups[groups.length - 1]!;
    const comma = counts[item.list] > 0 ? 1 : 0;
    if (group.length > 0 && base + bytes + comma + item.bytes > bodyBytesMax) {
      groups.push([item]);
      base = baseOf(groups.length - 1);
      counts.puts = counts.sends = counts.acks = 0;
      counts[item.list] = 1;
      bytes = item.bytes;
    } else {
      group.push(item);
      counts[item.list] += 1;
      bytes += comma + item.bytes;
    }
    if (base + bytes > bodyBytesMax) {
      throw new CommitPlanError(
        `one ${item.list === 'puts' ? `durable write (${item.put.key})` : item.list === 'sends' ? `${item.send.type} message to ${item.send.dst}` : 'ack'} needs ${base + bytes} bytes of step commit body, over ${bodyBytesMax}`,
      );
    }
  }
  return groups.map((group, index) => {
    const last = index === groups.length - 1;
    const commit: PlannedCommit = {
      writeSeq: input.firstWriteSeq + index,
      acks: [],
      puts: [],
      truncateBelow: last ? Math.max(0, input.truncateBelow) : 0,
      sends: [],
      sendTypes: [],
      bodyBytes: 0,
    };
    let itemBytes = 0;
    for (const item of group) {
      itemBytes += item.bytes;
      if (item.list === 'puts') {
        commit.puts.push({ key: item.put.key, slot: item.put.slot, value: item.put.value });
      } else if (item.list === 'sends') {
        commit.sends.push({ id: item.send.id, dst: item.send.dst, payload: item.send.payload });
        commit.sendTypes.push(item.send.type);
      } else commit.acks.push(item.ack);
    }
    const commas =
      Math.max(0, commit.puts.length - 1) +
      Math.max(0, commit.sends.length - 1) +
      Math.max(0, commit.acks.length - 1);
    commit.bodyBytes =
      commitBaseBytes(input.processId, input.epoch, commit.writeSeq, commit.truncateBelow) +
      itemBytes +
      commas;
    return commit;
  });
}

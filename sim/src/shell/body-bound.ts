import { stepCommitVariablesOf } from '@paxos/shared';
import type { PlannedCommit } from '@paxos/runtime';

/**
 * An upper bound on the bytes of a step commit's request body, from string lengths alone, so
 * that the simulated data API serializes a commit (three JSON levels of a step's every message)
 * only when the bound says it might not fit. Most commits are far below the limit: the bound
 * settles them without touching their bytes; the few near it are measured exactly.
 *
 * The body is JSON.stringify of stepCommitVariablesOf, whose `acks`, `puts` and `sends` are JSON
 * texts themselves. A string inside an ack or a send (id, dst, payload) or a put's key is escaped
 * twice: a UTF-16 unit costs at most 7 bytes that way (a control character or a lone surrogate
 * becomes `\u0001`, then `\\u0001`; a quote or a backslash 4 bytes; anything else at most 3).
 * A put's value sits in `puts` as JSON text and is escaped once: that text holds no control
 * character and no lone surrogate (JSON.stringify escapes them), so a unit of it costs at most
 * 3 bytes. The rest is exact: the commit with empty lists, each item's frame, the commas.
 */

/** Bytes a UTF-16 unit can cost once escaped twice (see above). */
const TWICE_ESCAPED_UNIT_BYTES_MAX = 7;
/** Bytes a unit of JSON text can cost once escaped. */
const ESCAPED_JSON_TEXT_UNIT_BYTES_MAX = 3;

/** Body bytes of JSON text `text` as an item of a list that is itself a string in the body. */
function escapedItemBytes(text: string): number {
  // Escaped as a JSON string, less its own two quotes (the list's text is what is quoted).
  return Buffer.byteLength(JSON.stringify(text), 'utf8') - 2;
}

/** A send with empty strings: its frame, the empty strings' quotes included. */
const SEND_FRAME_BYTES = escapedItemBytes(JSON.stringify({ id: '', dst: '', payload: '' }));
/** An ack with an empty id: its quotes. */
const ACK_FRAME_BYTES = escapedItemBytes(JSON.stringify(''));

/**
 * At least the body bytes of `commit` as QueueApi sends it; `valueJsons[i]` is
 * JSON.stringify(commit.puts[i].value).
 */
export function commitBodyBytesBound(
  processId: string,
  epoch: number,
  commit: PlannedCommit,
  valueJsons: readonly string[],
): number {
  const empty = stepCommitVariablesOf({
    processId,
    epoch,
    writeSeq: commit.writeSeq,
    acks: [],
    puts: [],
    truncateBelow: commit.truncateBelow,
    sends: [],
  });
  let bytes = Buffer.byteLength(JSON.stringify(empty), 'utf8');
  // One comma per item but the first of each list: one per item is more.
  bytes += commit.acks.length + commit.puts.length + commit.sends.length;
  for (const ack of commit.acks) {
    bytes += ACK_FRAME_BYTES + TWICE_ESCAPED_UNIT_BYTES_MAX * ack.length;
  }
  commit.puts.forEach((put, i) => {
    // The frame with an empty key and a one-character value, less that character.
    const frame = escapedItemBytes(JSON.stringify({ key: '', slot: put.slot, value: 0 })) - 1;
    bytes += frame + TWICE_ESCAPED_UNIT_BYTES_MAX * put.key.length;
    bytes += ESCAPED_JSON_TEXT_UNIT_BYTES_MAX * valueJsons[i]!.length;
  });
  for (const send of commit.sends) {
    const units = send.id.length + send.dst.length + send.payload.length;
    bytes += SEND_FRAME_BYTES + TWICE_ESCAPED_UNIT_BYTES_MAX * units;
  }
  return bytes;
}

import {
  LIMITS,
  jsonBytes,
  type Ballot,
  type P1b,
  type PValue,
  type ProcessId,
  type Slot,
} from '@paxos/shared';

/**
 * A phase-1 reply, paged so that no message outgrows the data API's body limit (issue 17,
 * point 3: with the horizon stuck, one whole reply grew past it and no leader could be elected).
 *
 * `accepted` is sorted by slot and holds nothing below `collectedBelow`. A page takes pvalues
 * while their JSON stays within `pageJsonBytesMax`, and always at least one (a batch is bounded
 * by LIMITS.batchJsonBytesMax, so a lone pvalue still fits a message). The pages' intervals
 * tile [collectedBelow, infinity): page k covers [coversFrom, coversBefore), the next starts
 * where it ends, and the last has coversBefore null. Each page holds exactly the pvalues in its
 * interval, so the leader can tell which slots it has heard about and which it has not.
 */
export function p1bPages(
  from: ProcessId,
  ballot: Ballot,
  collectedBelow: Slot,
  accepted: readonly PValue[],
  pageJsonBytesMax: number = LIMITS.p1bPageJsonBytesMax,
): P1b[] {
  const groups: PValue[][] = [];
  let group: PValue[] = [];
  let groupBytes = 2; // "[]"
  let previousSlot = collectedBelow - 1;
  for (const pvalue of accepted) {
    if (pvalue.slot <= previousSlot) {
      // The pages' intervals are built from the slots: out of order, they would lie.
      throw new Error(
        `p1b pages need pvalues sorted by slot at or above ${collectedBelow}: ` +
          `slot ${pvalue.slot} after ${previousSlot}`,
      );
    }
    previousSlot = pvalue.slot;
    const bytes = jsonBytes(pvalue);
    const grown = groupBytes + (group.length > 0 ? 1 : 0) + bytes; // a comma between pvalues
    if (group.length > 0 && grown > pageJsonBytesMax) {
      groups.push(group);
      group = [pvalue];
      groupBytes = 2 + bytes;
    } else {
      group.push(pvalue);
      groupBytes = grown;
    }
  }
  groups.push(group);

  const pages: P1b[] = [];
  let coversFrom = collectedBelow;
  for (let k = 0; k < groups.length; k++) {
    const next = groups[k + 1];
    const coversBefore = next ? next[0]!.slot : null;
    pages.push({
      type: 'p1b',
      from,
      ballot,
      accepted: groups[k]!,
      collectedBelow,
      coversFrom,
      coversBefore,
    });
    if (coversBefore !== null) coversFrom = coversBefore;
  }
  return pages;
}

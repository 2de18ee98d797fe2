import type { P1b, Slot } from '@paxos/shared';

/** Slots [from, before) a p1b page reports on; `before` null: every slot from `from` up. */
export interface Covered {
  from: Slot;
  before: Slot | null;
}

/**
 * What a scout holds of one acceptor's paged reply (messages.ts: P1bSchema). The acceptor counts
 * once `covered` reaches from its horizon to infinity.
 */
export interface AcceptorCoverage {
  /** The highest horizon the acceptor reported to this scout: no slot below it needs a page. */
  collectedBelow: Slot;
  /** Sorted, disjoint and not touching: two that touch are merged into one. */
  covered: Covered[];
}

/**
 * Intervals held per acceptor, at most. Pages arrive in order unless the queue reorders or loses
 * them, and each in-order page extends the interval before it, so real runs hold one or two; a
 * lost page leaves a gap until the retransmitted reply fills it. The cap bounds what a flood of
 * disjoint pages can make a scout keep: past it the highest interval is forgotten (coverage
 * grows from the horizon up, so the low ones matter first), and retransmission asks again.
 */
export const COVERED_INTERVALS_MAX = 64;

const endOf = (c: Covered): number => c.before ?? Infinity;

/** A page's interval. A p1b without coversFrom/coversBefore is a whole reply: from its horizon up. */
export function coveredByPage(page: P1b): Covered {
  // coversBefore has a default, but a p1b built in memory (the simulator, tests) may omit it.
  const before = (page.coversBefore as Slot | null | undefined) ?? null;
  return { from: page.coversFrom ?? page.collectedBelow, before };
}

/**
 * Why a page cannot be used, or null. Each page holds exactly the pvalues of its interval; one
 * that does not is not evidence of what the acceptor has accepted there.
 */
export function pageProblem(page: P1b, covered: Covered): string | null {
  if (covered.before !== null && covered.before <= covered.from) {
    return `empty interval [${covered.from}, ${covered.before})`;
  }
  const outside = page.accepted.find((p) => p.slot < covered.from || p.slot >= endOf(covered));
  if (outside) return `slot ${outside.slot} outside its interval ${describeCovered([covered])}`;
  return null;
}

export function newCoverage(collectedBelow: Slot): AcceptorCoverage {
  return { collectedBelow, covered: [] };
}

/** The acceptor collected further (between two replies): slots below its horizon need nothing. */
export function raiseCollectedBelow(coverage: AcceptorCoverage, collectedBelow: Slot): void {
  if (collectedBelow <= coverage.collectedBelow) return;
  coverage.collectedBelow = collectedBelow;
  coverage.covered = coverage.covered
    .filter((c) => endOf(c) > collectedBelow)
    .map((c) => (c.from < collectedBelow ? { from: collectedBelow, before: c.before } : c));
}

/**
 * Adds a page's interval, merging it with every interval it overlaps or touches. Past
 * `intervalsMax` the highest interval (maybe the page's own) is forgotten and returned; null
 * when nothing was. A reply that arrives in order always completes: its first page starts at the
 * horizon, the lowest of all, and every later one touches the interval before it.
 */
export function addCovered(
  coverage: AcceptorCoverage,
  page: Covered,
  intervalsMax: number = COVERED_INTERVALS_MAX,
): Covered | null {
  const from = Math.max(page.from, coverage.collectedBelow);
  const end = endOf(page);
  if (end <= from) return null; // wholly below the horizon: nothing there is needed
  let mergedFrom = from;
  let mergedEnd = end;
  const covered: Covered[] = [];
  for (const c of coverage.covered) {
    if (c.from <= end && endOf(c) >= from) {
      mergedFrom = Math.min(mergedFrom, c.from);
      mergedEnd = Math.max(mergedEnd, endOf(c));
    } else {
      covered.push(c);
    }
  }
  covered.push({ from: mergedFrom, before: mergedEnd === Infinity ? null : mergedEnd });
  covered.sort((a, b) => a.from - b.from);
  const forgotten = covered.length > intervalsMax ? (covered.pop() ?? null) : null;
  coverage.covered = covered;
  return forgotten;
}

/** Every slot from the acceptor's horizon up is covered. */
export function isComplete(coverage: AcceptorCoverage): boolean {
  return coverage.covered.some((c) => c.from <= coverage.collectedBelow && c.before === null);
}

/** `[1, 40) [52, ∞)`, for notes and GET /state. */
export function describeCovered(covered: readonly Covered[]): string {
  return covered.map((c) => `[${c.from}, ${c.before ?? '∞'})`).join(' ');
}

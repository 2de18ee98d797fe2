import type { SimClient } from '../clients/sim-client';
import type { SimStats } from './sim-result';

type ClientStats = Pick<
  SimStats,
  | 'refusedAtBoundary'
  | 'conflicts'
  | 'unknownOutcomes'
  | 'quotaRefusals'
  | 'sessionsRegistered'
  | 'probes'
  | 'probesAnsweredOriginal'
  | 'probesRefused'
  | 'probesRanAgain'
>;

/** What the clients met, summed over clients. */
export function clientStats(clients: readonly SimClient[]): ClientStats {
  const ops = clients.flatMap((c) => c.history);
  const outcomes = (...kinds: string[]): number =>
    ops.filter((op) => op.outcome !== null && kinds.includes(op.outcome)).length;
  const sum = (f: (c: SimClient) => number): number => clients.reduce((n, c) => n + f(c), 0);
  return {
    refusedAtBoundary: outcomes('invalid', 'too-large'),
    conflicts: outcomes('conflict'),
    unknownOutcomes: outcomes('unknown'),
    quotaRefusals: outcomes('quota'),
    sessionsRegistered: sum((c) => c.sessionsRegistered),
    probes: sum((c) => c.probes.all.length),
    probesAnsweredOriginal: sum((c) => c.probes.count('original')),
    probesRefused: sum((c) => c.probes.count('refused')),
    probesRanAgain: sum((c) => c.probes.count('ran-again')),
  };
}

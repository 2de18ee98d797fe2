import { WELL_BEHAVED, type ClientBehaviour } from './client-behaviour';

/**
 * Which of issue 17's adversaries a seed meets. `longOutage` is a fault (fault-plan.ts); the
 * rest are client behaviours.
 */
export interface AdversaryPlan {
  hostileInput: boolean;
  reusedNumbers: boolean;
  manySessions: boolean;
  lateRetries: boolean;
  longOutage: boolean;
}

export const NO_ADVERSARIES: AdversaryPlan = Object.freeze({
  hostileInput: false,
  reusedNumbers: false,
  manySessions: false,
  lateRetries: false,
  longOutage: false,
});

export const ALL_ADVERSARIES: AdversaryPlan = Object.freeze({
  hostileInput: true,
  reusedNumbers: true,
  manySessions: true,
  lateRetries: true,
  longOutage: true,
});

/**
 * Client 0 stays well-behaved whenever there are others, so every seed keeps a plain closed
 * loop to compare with; the others take the seed's adversarial behaviours, and the last one
 * alone hops sessions (one client registering every few operations already outgrows the
 * simulated replicas' session table).
 */
export function behaviourOf(index: number, clients: number, plan: AdversaryPlan): ClientBehaviour {
  if (index === 0 && clients > 1) return WELL_BEHAVED;
  return {
    hostileInput: plan.hostileInput,
    reusesNumbers: plan.reusedNumbers,
    hopsSessions: plan.manySessions && index === clients - 1,
    retriesLate: plan.lateRetries,
  };
}

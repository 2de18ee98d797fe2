/**
 * What a simulated client does besides the well-behaved closed loop (issue 17's adversarial
 * clients). The fault profile decides per seed which of these are on (adversaries.ts).
 */
export interface ClientBehaviour {
  /** About one operation in four is hostile: NUL, lone surrogates, values at or over the limit. */
  hostileInput: boolean;
  /** Now and then resends an answered request number with another operation (expects a 409). */
  reusesNumbers: boolean;
  /** Registers a new session every few operations: more sessions than a replica's table holds. */
  hopsSessions: boolean;
  /**
   * Now and then retries an old, answered request (of an old session, or far below its
   * session's newest number): it must get its original answer or a 410, and never run again.
   */
  retriesLate: boolean;
}

export const WELL_BEHAVED: ClientBehaviour = Object.freeze({
  hostileInput: false,
  reusesNumbers: false,
  hopsSessions: false,
  retriesLate: false,
});

/**
 * A broken invariant found by a checker. `invariant` names it as pmmc.md does (R1, A4, C2 ...),
 * by what failed after healing (answers, liveness, convergence, linearizability), or:
 * `decided-unchosen`, a decision announced for a value no majority of acceptors accepted;
 * `gc-safe`, state garbage-collected below a slot that some replica has not applied.
 */
export type InvariantName =
  | 'R1'
  | 'R2'
  | 'R3'
  | 'R4'
  | 'R5'
  | 'A1'
  | 'A2'
  | 'A3'
  | 'A4'
  | 'A5'
  | 'C1'
  | 'C2'
  | 'decided-unchosen'
  | 'gc-safe'
  | 'executed-once'
  | 'answered-once'
  | 'liveness'
  | 'convergence'
  | 'linearizability'
  | 'role-crash';

export class InvariantViolation extends Error {
  override readonly name = 'InvariantViolation';
  constructor(
    readonly invariant: InvariantName,
    readonly detail: string,
  ) {
    super(`${invariant}: ${detail}`);
  }
}

export function violated(invariant: InvariantName, detail: string): never {
  throw new InvariantViolation(invariant, detail);
}

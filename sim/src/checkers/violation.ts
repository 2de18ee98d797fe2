/**
 * A broken invariant found by a checker. `invariant` names it as pmmc.md does (R1, A4, C2 ...),
 * by what failed after healing (answers, liveness, convergence, linearizability), or:
 * `decided-unchosen`, a decision announced for a value no majority of acceptors accepted;
 * `gc-safe`, state garbage-collected below a slot too few replicas hold (gc-checker.ts);
 * `config`, a replica, leader, proposal, acceptance or reconfiguration answer at odds with the
 * configurations the decided log makes (config-checker.ts);
 * `at-most-once`, a command run at a slot other than where it was first decided (so twice, or
 * late), or two replicas disagreeing on how it ran; `answered-once`, a client told two
 * different things about one request number, or told the result of an operation that did not
 * run under it; `limits`, a message or durable write larger than LIMITS allows; `storable`, a
 * string PostgreSQL cannot store (NUL, a lone surrogate) in a message or a durable write;
 * `innocent-dead-letter`, the service shell dead-lettered (or dropped) a message that no
 * adversarial client sent; `shell-fatal`, the service shell would exit (ShellFatalError, or a
 * background commit the data API refuses).
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
  | 'config'
  | 'at-most-once'
  | 'answered-once'
  | 'limits'
  | 'storable'
  | 'liveness'
  | 'convergence'
  | 'linearizability'
  | 'role-crash'
  | 'innocent-dead-letter'
  | 'shell-fatal';

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

export { Prng } from './random/prng';
export { EventQueue } from './events/event-queue';
export { TraceDigest } from './trace/trace-digest';
export { Simulation } from './run/simulation';
export { runSeed, reproduceCommand } from './run/run-seed';
export {
  DEFAULT_SIM_OPTIONS,
  simOptions,
  type SimOptions,
  type SimOptionsOverride,
} from './run/sim-options';
export type { SimResult, SimStats } from './run/sim-result';
export { REAL_ROLES, type SimRoles } from './cluster/sim-cluster';
export { InvariantViolation, type InvariantName } from './checkers/violation';
export { BROKEN_VARIANTS, type BrokenVariant } from './broken/variant-names';
export { brokenRoles } from './broken/broken-roles';
export { admitCommand, type Admission } from './clients/client-boundary';
export * from './linearizability';

export { acceptorRole } from './role/acceptor-role';
export { describeAcceptor } from './role/describe';
export type { AcceptorConfig, AcceptorCounters, AcceptorState } from './role/state';

export { acceptorRole } from './role/acceptor-role';
export { describeAcceptor } from './role/describe';
export {
  promiseOf,
  type AcceptorConfig,
  type AcceptorCounters,
  type AcceptorState,
} from './role/state';

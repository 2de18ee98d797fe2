export {
  type CheckOptions,
  type CheckResult,
  DEFAULT_CHECK_TIMEOUT_MS,
  checkLinearizable,
} from './check';
export {
  type HistoryOperation,
  HistoryOperationSchema,
  HistorySchema,
  InvalidHistoryError,
  parseHistory,
} from './history';
export { readHistoryFile, writeHistoryFile } from './history-file';

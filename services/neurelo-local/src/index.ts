/** The local Neurelo server as a library: what tests and tools of other packages may use. */
export {
  createApp,
  waitingRequests,
  DEFAULT_BODY_LIMIT_BYTES,
  type AppDeps,
  type DataApiApp,
} from './app';
export { loadConfig, ConfigError, type Config } from './config';
export { loadQueries, parseQueryFile, QueryFileError, QUERIES_DIR } from './custom/query-file';
export type { CustomQuery, QueryVariable, VariableType } from './custom/custom-query';
export { openDatabase, type StorageOptions } from './db/open';
export { migrate } from './db/migrate';
export type { Database } from './db/database';
export { loadSchema, type NeureloSchema } from './schema/schema';

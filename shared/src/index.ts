export * from './ids';
export * from './ballot';
export * from './command';
export * from './kv';
export * from './messages';
export * from './role';
export * from './data-api';

export * from './client-keys';
export * from './example-keys';
export * from './access';
export * from './production';
export * from './browser';

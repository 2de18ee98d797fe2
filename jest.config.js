/** One jest run covers every package; test files live in each package's test/ folder. */
module.exports = {
  testEnvironment: 'node',
  roots: [
    '<rootDir>/shared',
    '<rootDir>/sim',
    '<rootDir>/services',
    '<rootDir>/tools',
    '<rootDir>/client',
  ],
  testMatch: ['**/test/**/*.test.ts'],
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  transformIgnorePatterns: ['/node_modules/(?!@electric-sql)'],
  testTimeout: 60_000,
};

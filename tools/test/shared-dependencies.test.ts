import { changedRuntimeDependencies, type LockPackages } from './support/shared-dependencies';

/** The mixed-version test's guard: an earlier commit runs on this tree's node_modules only if
 * every package its workspaces need at run time is still the same version. */
const before: LockPackages = {
  '': { dependencies: {} },
  'services/replica': { dependencies: { express: '^5', '@paxos/shared': '*' } },
  'node_modules/@paxos/shared': { link: true },
  'node_modules/express': { version: '5.3.0', dependencies: { 'body-parser': '^2' } },
  'node_modules/body-parser': { version: '2.4.0' },
  'node_modules/eslint': { version: '10.0.0', dependencies: { ajv: '^6' } },
  'node_modules/ajv': { version: '6.15.0' },
};

const withChanges = (changes: LockPackages): LockPackages => ({ ...before, ...changes });

describe('runtime dependencies shared with an earlier commit', () => {
  it('accepts packages added since and dev tools re-hoisted', () => {
    const now = withChanges({
      'node_modules/axios': { version: '1.21.1' },
      'node_modules/ajv': { version: '8.20.0' },
      'node_modules/eslint/node_modules/ajv': { version: '6.15.0' },
    });
    expect(changedRuntimeDependencies(before, now)).toEqual([]);
  });

  it('refuses a runtime dependency that moved, directly or through another package', () => {
    expect(
      changedRuntimeDependencies(
        before,
        withChanges({
          'node_modules/express': { version: '5.4.0', dependencies: { 'body-parser': '^2' } },
        }),
      ),
    ).toEqual(['express 5.3.0 (needed from services/replica) is 5.4.0 now']);
    expect(
      changedRuntimeDependencies(
        before,
        withChanges({ 'node_modules/body-parser': { version: '2.5.0' } }),
      ),
    ).toEqual(['body-parser 2.4.0 (needed from node_modules/express) is 2.5.0 now']);
  });

  it('refuses one that is gone, and finds the one a nested folder now hides', () => {
    const gone = { ...before };
    delete gone['node_modules/body-parser'];
    expect(changedRuntimeDependencies(before, gone)).toEqual([
      'body-parser 2.4.0 (needed from node_modules/express) is gone now',
    ]);
    const nested = withChanges({
      'node_modules/express/node_modules/body-parser': { version: '3.0.0' },
    });
    expect(changedRuntimeDependencies(before, nested)).toEqual([
      'body-parser 2.4.0 (needed from node_modules/express) is 3.0.0 now',
    ]);
  });
});

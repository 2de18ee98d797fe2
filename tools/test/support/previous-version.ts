import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../src/fleet/topology';
import { changedRuntimeDependencies, type LockPackages } from './shared-dependencies';

/**
 * The code of an earlier protocol version, checked out from git into a directory of its own so
 * that its services can run beside this checkout's (docs/upgrades.md).
 */

/** The last commit of protocol version 1 (the commit after it added reconfiguration). */
export const VERSION_1_COMMIT = '46cbe171a69cbde23ad2d973d181041fa698eec7';

const git = (...args: string[]): string =>
  execFileSync('git', ['-C', REPO_ROOT, ...args], { encoding: 'utf8', stdio: 'pipe' });

/**
 * Extracts `commit` into `dir` (emptied first) and gives it a node_modules that shares this
 * checkout's packages but resolves the workspace packages (@paxos/*) to the old tree's own.
 * Throws, never skips, when that cannot be done faithfully: a missing commit (a shallow clone)
 * or runtime dependencies that changed since (the shared packages would not be the old ones;
 * packages added since do not matter).
 */
export function checkOutVersion(commit: string, dir: string): string {
  try {
    git('cat-file', '-e', `${commit}^{commit}`);
  } catch {
    throw new Error(
      `commit ${commit.slice(0, 7)} (the previous protocol version) is not in this clone of ` +
        `${REPO_ROOT}: the mixed-version test needs the project's history (a full clone, or ` +
        `git fetch --unshallow)`,
    );
  }
  const lockAt = (ref: string): LockPackages =>
    (JSON.parse(git('show', `${ref}:package-lock.json`)) as { packages: LockPackages }).packages;
  const current = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
    packages: LockPackages;
  };
  const changed = changedRuntimeDependencies(lockAt(commit), current.packages);
  if (changed.length > 0) {
    throw new Error(
      `runtime dependencies changed since ${commit.slice(0, 7)}: ${changed.join('; ')}. The ` +
        `previous version cannot share this checkout's node_modules; the mixed-version test ` +
        `must install its own dependencies`,
    );
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const archive = `${dir}.tar`;
  git('archive', '--format=tar', '-o', archive, commit);
  execFileSync('tar', ['-xf', archive, '-C', dir]);
  rmSync(archive, { force: true });
  linkNodeModules(dir);
  return dir;
}

/**
 * npm links each workspace package into node_modules/@paxos relatively (../../shared), and Node
 * follows links to their real path: linking the whole folder would load THIS checkout's
 * workspace code. So every other package is linked one by one, and @paxos is rebuilt with the
 * same relative links, which then point into the old tree.
 */
function linkNodeModules(dir: string): void {
  const shared = path.join(REPO_ROOT, 'node_modules');
  const own = path.join(dir, 'node_modules');
  mkdirSync(own);
  for (const name of readdirSync(shared)) {
    if (name === '@paxos') continue;
    symlinkSync(path.join(shared, name), path.join(own, name));
  }
  mkdirSync(path.join(own, '@paxos'));
  for (const name of readdirSync(path.join(shared, '@paxos'))) {
    symlinkSync(readlinkSync(path.join(shared, '@paxos', name)), path.join(own, '@paxos', name));
  }
}

import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, lstatSync, mkdirSync, readlinkSync, symlinkSync } from 'node:fs';
import path from 'node:path';

/**
 * Copies the checkout at `repo` into `to`: the files git tracks plus the untracked ones it does
 * not ignore, so uncommitted edits count; never node_modules, .fleet or .env. Symbolic links
 * stay links, and modes are kept (scripts stay executable).
 */
export function copyCheckout(repo: string, to: string): void {
  const listed = spawnSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], {
    cwd: repo,
    encoding: 'utf8',
  });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  for (const file of listed.stdout.split('\0')) {
    if (!file || /(^|\/)(node_modules|\.fleet)(\/|$)/.test(file) || file === '.env') continue;
    const from = path.join(repo, file);
    const stat = lstatSync(from, { throwIfNoEntry: false });
    if (!stat) continue; // tracked but deleted in the working tree
    const dest = path.join(to, file);
    mkdirSync(path.dirname(dest), { recursive: true });
    if (stat.isSymbolicLink()) symlinkSync(readlinkSync(from), dest);
    else {
      copyFileSync(from, dest);
      chmodSync(dest, stat.mode & 0o777);
    }
  }
}

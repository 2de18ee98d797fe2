import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { serviceUser, type ServiceUser } from '../ha/node-process';
import { DEFAULT_PG_BIN_DIR } from '../ha/patroni-config';

/** PostgreSQL 15's programs: Debian's folder, or PG_BIN_DIR's (as for the HA cluster). */
export const pgBin = (program: string): string =>
  path.join(process.env.PG_BIN_DIR ?? DEFAULT_PG_BIN_DIR, program);

/**
 * Runs a PostgreSQL program to its end, as the `postgres` user when we are root (the server
 * refuses root, and a data folder must belong to the user that runs it). Throws with the
 * program's output when it fails.
 */
export function runPg(
  program: string,
  args: string[],
  o: { input?: string; user?: ServiceUser | null; timeoutMs?: number } = {},
): string {
  const user = o.user === undefined ? serviceUser() : o.user;
  try {
    return execFileSync(pgBin(program), args, {
      encoding: 'utf8',
      input: o.input ?? '',
      timeout: o.timeoutMs ?? 120_000,
      stdio: ['pipe', 'pipe', 'pipe'],
      cwd: '/',
      // libpq's own settings (PGPASSWORD, PGSSLMODE, ...) pass; nothing else of ours does.
      env: {
        ...Object.fromEntries(Object.entries(process.env).filter(([k]) => /^PG[A-Z]+$/.test(k))),
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        LANG: 'C.UTF-8',
      },
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
  } catch (error) {
    const e = error as {
      status?: number | null;
      stdout?: string;
      stderr?: string;
      message: string;
    };
    const output = `${e.stderr ?? ''}${e.stdout ?? ''}`.trim();
    throw new Error(
      `${program} ${args.join(' ')} failed (exit ${e.status ?? '?'}): ${output || e.message}`,
      { cause: error },
    );
  }
}

import { DatabaseUnavailableError } from './database';

/**
 * Connection-level failures of pg and PGlite that mean "the database is down", not "bad request".
 * 25006 (a write refused as read-only) is one too: the connection reached a standby, as one URL
 * in front of a primary that moves (a Kubernetes `-rw` Service during a switch) can for a
 * moment. The connection is dropped and the next one finds the primary.
 */
export function isDatabaseOutage(err: unknown): boolean {
  if (err instanceof DatabaseUnavailableError) return true;
  const e = err as { code?: string; message?: string } | null;
  if (!e) return false;
  const code = e.code ?? '';
  if (
    [
      'ECONNREFUSED',
      'ECONNRESET',
      'ETIMEDOUT',
      'EPIPE',
      'ENOTFOUND',
      'EAI_AGAIN',
      '57P01',
      '57P02',
      '57P03',
      '53300',
      '08000',
      '08003',
      '08006',
      '08001',
      '08004',
      '25006',
    ].includes(code)
  ) {
    return true;
  }
  return /Connection terminated|connection timeout|^timeout expired$|timeout exceeded when trying to connect|Client has encountered a connection error|Cannot use a pool after calling end/i.test(
    e.message ?? '',
  );
}

import { Client, type ClientBase } from 'pg';
import { DatabaseUnavailableError } from './database';

/**
 * Finding the primary among the nodes of a highly available PostgreSQL (DATABASE_URLS).
 * node-postgres has no multi-host connection strings (libpq's `target_session_attrs`), so the
 * data API asks every node itself: `pg_is_in_recovery()` is false on the primary only. The
 * manager (Patroni, pg_auto_failover, an operator) moves the primary; this never does.
 */

/** A connection reached a standby, or a node that was demoted: it must not serve a request. */
export class NotPrimaryError extends DatabaseUnavailableError {
  constructor(readonly node: string) {
    super(`${node} is a standby now, not the primary`);
    this.name = 'NotPrimaryError';
  }
}

/** No node is the primary, or more than one says it is: nothing is served until one is. */
export class NoPrimaryError extends DatabaseUnavailableError {
  constructor(readonly nodes: readonly NodeProbe[]) {
    super(`no single primary among the database nodes: ${describeProbes(nodes)}`);
    this.name = 'NoPrimaryError';
  }
}

export interface NodeProbe {
  /** `host:port`, never the whole URL (it may carry a password). */
  node: string;
  role: 'primary' | 'standby' | 'unreachable';
  /** Why it could not be asked (unreachable only). */
  error?: string;
}

/** `host:port` of a postgres:// URL: what logs and errors name a node by. */
export function nodeName(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || '5432'}`;
}

/**
 * Whether a fresh connection reached the primary; throws NotPrimaryError when it reached a
 * standby. Every pooled connection of the data API passes it before its first query, so a
 * node demoted while the data API still had its address never serves a request: PostgreSQL
 * turns a primary into a standby only by restarting, which ends every connection it had.
 */
export async function assertPrimary(client: ClientBase, node: string): Promise<void> {
  const r = await client.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
  if (r.rows[0]?.standby !== false) throw new NotPrimaryError(node);
}

/** Asks one node whether it is the primary, on a connection of its own, within `timeoutMs`. */
export async function probeNode(url: string, timeoutMs: number): Promise<NodeProbe> {
  const node = nodeName(url);
  const client = new Client({
    connectionString: url,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  });
  // A node that dies mid-probe must not crash the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
    const r = await client.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
    return { node, role: r.rows[0]?.standby === false ? 'primary' : 'standby' };
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return { node, role: 'unreachable', error: [e.code, e.message].filter(Boolean).join(': ') };
  } finally {
    client.end().catch(() => undefined);
  }
}

/**
 * The URL of the one node that is the primary, asking all at once. Two primaries happen for a
 * moment when a cut-off primary has not yet noticed it lost its leadership: neither is chosen
 * then (the old one cannot commit anyway: its synchronous standby follows the new one).
 */
export async function findPrimary(urls: readonly string[], timeoutMs: number): Promise<string> {
  const probes = await Promise.all(urls.map((url) => probeNode(url, timeoutMs)));
  const primaries = urls.filter((_, i) => probes[i]!.role === 'primary');
  if (primaries.length !== 1) throw new NoPrimaryError(probes);
  return primaries[0]!;
}

export function describeProbes(probes: readonly NodeProbe[]): string {
  return probes.map((p) => `${p.node} ${p.role}${p.error ? ` (${p.error})` : ''}`).join(', ');
}

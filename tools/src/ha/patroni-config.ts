import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { HaLayout, HaNode } from './layout';

/**
 * How fast Patroni moves, in seconds. The leader key lives `ttl` seconds in etcd unless the
 * primary's Patroni renews it (every `loop_wait`); once it lapses the synchronous standby
 * takes it and promotes itself, so a lost primary costs about `ttl` plus a loop of writes.
 * Patroni's rule `loop_wait + 2 * retry_timeout <= ttl` keeps a primary that cannot reach etcd
 * from outliving its key: it demotes itself after retry_timeout. Patroni's defaults (30/10/10)
 * give a 30 s outage; 10/2/4 gives about 10 s and still rides out a second's stall of a busy
 * 2-core machine without a needless failover.
 */
export const PATRONI_TIMINGS = { ttl: 10, loop_wait: 2, retry_timeout: 4 } as const;

/** PostgreSQL 15's binaries on Debian; `PG_BIN_DIR` names others. */
export const DEFAULT_PG_BIN_DIR = '/usr/lib/postgresql/15/bin';

/**
 * One node's patroni.yml. `bootstrap.dcs` is written into etcd by the node that initializes the
 * cluster and shared by all (the others' copies are ignored); the rest is this node's own.
 *
 * - `synchronous_mode`: the primary names one streaming standby in synchronous_standby_names
 *   (synchronous_node_count 1), and records it in etcd; a commit is acknowledged once that
 *   standby has flushed it, and only that standby may be promoted, so no acknowledged commit
 *   is lost with the primary. Strict: with no standby left the primary stops acknowledging
 *   commits rather than write alone, so an acknowledged commit is on two nodes in every case
 *   (with three nodes, one lost standby leaves the other to name).
 * - `use_pg_rewind`: a failed primary that comes back rewinds to the new timeline and follows
 *   as a standby (wal_log_hints is turned on for it); when the rewind cannot be done, the
 *   `remove_data_directory_*` settings let Patroni take a fresh copy from the primary instead.
 * - Authentication is trust on loopback only: the cluster listens on 127.0.0.1 and is for this
 *   machine's fleets and tests.
 */
export function patroniConfig(layout: HaLayout, node: HaNode, pgBinDir: string): object {
  const hba = [
    'local all all trust',
    'host all all 127.0.0.1/32 trust',
    'host replication all 127.0.0.1/32 trust',
  ];
  return {
    scope: layout.scope,
    namespace: '/service/',
    name: node.name,
    log: { level: 'INFO' },
    restapi: {
      listen: `127.0.0.1:${node.restPort}`,
      connect_address: `127.0.0.1:${node.restPort}`,
    },
    etcd3: { hosts: [`127.0.0.1:${layout.etcd.clientPort}`] },
    bootstrap: {
      dcs: {
        ...PATRONI_TIMINGS,
        maximum_lag_on_failover: 1_048_576,
        synchronous_mode: true,
        synchronous_mode_strict: true,
        synchronous_node_count: 1,
        postgresql: {
          use_pg_rewind: true,
          use_slots: true,
          remove_data_directory_on_rewind_failure: true,
          remove_data_directory_on_diverged_timelines: true,
          parameters: {
            wal_level: 'replica',
            hot_standby: 'on',
            max_connections: 100,
            max_wal_senders: 10,
            max_replication_slots: 10,
            wal_keep_size: '256MB',
          },
        },
      },
      initdb: [{ encoding: 'UTF8' }, { locale: 'C.UTF-8' }],
      pg_hba: hba,
    },
    postgresql: {
      listen: `127.0.0.1:${node.pgPort}`,
      connect_address: `127.0.0.1:${node.pgPort}`,
      data_dir: node.dataDir,
      bin_dir: pgBinDir,
      pgpass: `${node.dir}/pgpass`,
      // A new standby copies the primary at once, not after a spread checkpoint (minutes).
      basebackup: [{ checkpoint: 'fast' }],
      authentication: {
        superuser: { username: 'postgres' },
        replication: { username: 'postgres' },
        rewind: { username: 'postgres' },
      },
      pg_hba: hba,
      parameters: {
        unix_socket_directories: node.dir,
        shared_buffers: '64MB',
        logging_collector: 'on',
        log_directory: `${node.dir}/log`,
        log_filename: 'postgresql-%a.log',
        log_line_prefix: '%m [%p] ',
      },
    },
    // No hardware watchdog here; Patroni would only warn that it found none.
    watchdog: { mode: 'off' },
    tags: { nofailover: false, noloadbalance: false, clonefrom: false, nosync: false },
  };
}

export function writePatroniConfig(layout: HaLayout, node: HaNode, pgBinDir: string): void {
  writeFileSync(node.configFile, stringify(patroniConfig(layout, node, pgBinDir)), {
    mode: 0o600,
  });
}

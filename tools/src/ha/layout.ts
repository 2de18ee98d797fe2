import path from 'node:path';

/**
 * Where the highly available PostgreSQL lives on this machine: three nodes, each a PostgreSQL
 * under its own Patroni, and one etcd member that Patroni keeps its leader key in. Ports of its
 * own (PostgreSQL 5441-5443, Patroni REST 8941-8943, etcd 2441/2442), so it never meets the
 * machine's PostgreSQL on 5432; folders under one root the caller chooses.
 */
export interface HaNode {
  /** Patroni's member name, also the standby's application_name in synchronous_standby_names. */
  name: string;
  pgPort: number;
  restPort: number;
  /** Holds the node's patroni.yml, data folder, socket, pgpass and PostgreSQL logs. */
  dir: string;
  dataDir: string;
  configFile: string;
  logFile: string;
}

export interface HaLayout {
  root: string;
  /** Patroni's `scope`: the cluster's name in etcd. */
  scope: string;
  nodes: HaNode[];
  etcd: { clientPort: number; peerPort: number; dataDir: string; logFile: string };
  /** The state file: who runs, with which process ids (ha-state.ts). */
  stateFile: string;
}

export const HA_NODES = 3;
export const HA_PORTS = { pg: 5441, rest: 8941, etcdClient: 2441, etcdPeer: 2442 } as const;
export const HA_SCOPE = 'paxos-ha';

export function haLayout(root: string, ports: typeof HA_PORTS = HA_PORTS): HaLayout {
  const abs = path.resolve(root);
  return {
    root: abs,
    scope: HA_SCOPE,
    nodes: Array.from({ length: HA_NODES }, (_, i) => {
      const name = `pg-${i}`;
      const dir = path.join(abs, name);
      return {
        name,
        pgPort: ports.pg + i,
        restPort: ports.rest + i,
        dir,
        dataDir: path.join(dir, 'data'),
        configFile: path.join(dir, 'patroni.yml'),
        logFile: path.join(abs, `patroni-${name}.log`),
      };
    }),
    etcd: {
      clientPort: ports.etcdClient,
      peerPort: ports.etcdPeer,
      dataDir: path.join(abs, 'etcd'),
      logFile: path.join(abs, 'etcd.log'),
    },
    stateFile: path.join(abs, 'ha.json'),
  };
}

/** A node's URL for a database: trust on loopback, as the local cluster's pg_hba says. */
export const nodeUrl = (node: HaNode, database: string): string =>
  `postgres://postgres@127.0.0.1:${node.pgPort}/${database}`;

/** DATABASE_URLS for the data API: every node, the data API finds the primary among them. */
export const databaseUrls = (layout: HaLayout, database: string): string[] =>
  layout.nodes.map((n) => nodeUrl(n, database));

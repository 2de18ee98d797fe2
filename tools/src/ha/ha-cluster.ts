import { chownSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { isAlive } from '../fleet/service-process';
import { portIsFree } from '../fleet/port-free';
import { startEtcd, waitEtcdHealthy } from './etcd-store';
import { haLayout, nodeUrl, type HaLayout, type HaNode } from './layout';
import {
  killAll,
  makeOwnedDir,
  postmasterPid,
  processTree,
  serviceUser,
  spawnDetached,
  type ServiceUser,
} from './node-process';
import { DEFAULT_PG_BIN_DIR, writePatroniConfig } from './patroni-config';
import {
  describeCluster,
  hasPrimaryAndSyncStandby,
  primaryOf,
  readCluster,
  waitForCluster,
  type PatroniCluster,
} from './patroni-rest';

/** What runs, kept in the cluster's folder so that another command can stop it. */
interface HaState {
  etcdPid: number | null;
  /** Each node's Patroni process. */
  patroniPids: Record<string, number | null>;
}

const STOP_GRACE_MS = 20_000;

/**
 * The local highly available PostgreSQL: one etcd member and three Patroni processes, each
 * managing a PostgreSQL, all detached from the command that starts them (their logs are in the
 * folder). Patroni elects the primary, keeps one synchronous standby, fails over and makes a
 * failed primary follow again when it comes back.
 */
export class HaCluster {
  readonly layout: HaLayout;
  private readonly user: ServiceUser | null;
  private readonly pgBinDir: string;

  constructor(root: string, o: { pgBinDir?: string } = {}) {
    this.layout = haLayout(root);
    this.user = serviceUser();
    this.pgBinDir = o.pgBinDir ?? process.env.PG_BIN_DIR ?? DEFAULT_PG_BIN_DIR;
  }

  node(name: string): HaNode {
    const n = this.layout.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no node ${name}: ${this.layout.nodes.map((x) => x.name).join(', ')}`);
    return n;
  }

  get restPorts(): number[] {
    return this.layout.nodes.map((n) => n.restPort);
  }

  /** Whether any of its processes still runs. */
  isRunning(): boolean {
    const s = this.readState();
    return (
      (s.etcdPid !== null && this.isOurs(s.etcdPid, 'etcd')) ||
      Object.values(s.patroniPids).some((pid) => pid !== null && this.isOurs(pid, 'patroni'))
    );
  }

  /**
   * Starts etcd and the three Patroni processes (the first one to start initializes the
   * cluster, the others copy it), then waits for a primary and a synchronous standby.
   */
  async start(timeoutMs = 120_000): Promise<PatroniCluster> {
    if (this.isRunning()) throw new Error(`the HA cluster in ${this.layout.root} already runs`);
    await this.checkPortsFree();
    if (!existsSync(path.join(this.pgBinDir, 'postgres'))) {
      throw new Error(`no PostgreSQL server in ${this.pgBinDir} (PG_BIN_DIR names another)`);
    }
    makeOwnedDir(this.layout.root, this.user);
    const state: HaState = { etcdPid: startEtcd(this.layout, this.user), patroniPids: {} };
    this.saveState(state);
    await waitEtcdHealthy(this.layout, 30_000);
    for (const node of this.layout.nodes) {
      state.patroniPids[node.name] = this.spawnPatroni(node);
      this.saveState(state);
    }
    return this.waitHealthy(timeoutMs);
  }

  /**
   * Starts the cluster from one node's data folder (a restored base backup, tools/src/backup/):
   * etcd and that node's Patroni alone first, until it is the primary (with no initialize key
   * in a fresh etcd, Patroni takes the folder's system identifier as the cluster's), then the
   * others, whose empty folders Patroni fills with a copy of it. Started together, a node with
   * an empty folder could win the race to initialize and make a new, empty cluster.
   */
  async startFromNode(first: string, timeoutMs = 120_000): Promise<PatroniCluster> {
    if (this.isRunning()) throw new Error(`the HA cluster in ${this.layout.root} already runs`);
    await this.checkPortsFree();
    const firstNode = this.node(first);
    makeOwnedDir(this.layout.root, this.user);
    const state: HaState = { etcdPid: startEtcd(this.layout, this.user), patroniPids: {} };
    this.saveState(state);
    await waitEtcdHealthy(this.layout, 30_000);
    state.patroniPids[first] = this.spawnPatroni(firstNode);
    this.saveState(state);
    await waitForCluster(
      [firstNode.restPort],
      (c) => primaryOf(c)?.name === first,
      `${first} as the primary`,
      timeoutMs,
    );
    for (const node of this.layout.nodes.filter((n) => n.name !== first)) {
      state.patroniPids[node.name] = this.spawnPatroni(node);
      this.saveState(state);
    }
    return this.waitHealthy(timeoutMs);
  }

  /** Waits until Patroni reports a primary and a synchronous standby streaming from it. */
  waitHealthy(timeoutMs: number): Promise<PatroniCluster> {
    return waitForCluster(
      this.restPorts,
      hasPrimaryAndSyncStandby,
      'a primary and a synchronous standby',
      timeoutMs,
    );
  }

  /** Creates `database` on the primary unless it exists (the standbys get it by replication). */
  async ensureDatabase(database: string): Promise<void> {
    if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`not a plain name: ${database}`);
    const primary = primaryOf(await readCluster(this.restPorts));
    if (!primary) throw new Error('no primary to create the database on');
    const client = new Client({ connectionString: nodeUrl(this.node(primary.name), 'postgres') });
    await client.connect();
    try {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (found.rowCount === 0) await client.query(`CREATE DATABASE ${database}`);
    } finally {
      await client.end();
    }
  }

  /**
   * A machine lost: SIGKILL to the node's Patroni and its PostgreSQL, every process at once
   * (killing PostgreSQL alone only makes Patroni start it again). Returns how many died.
   */
  killNode(name: string): number {
    const node = this.node(name);
    const state = this.readState();
    const patroni = state.patroniPids[name] ?? null;
    const postmaster = postmasterPid(node.dataDir);
    const pids = [
      ...(patroni !== null && this.isOurs(patroni, 'patroni') ? processTree(patroni) : []),
      ...(postmaster !== null && this.isOurs(postmaster, node.dataDir)
        ? processTree(postmaster)
        : []),
    ];
    killAll(pids);
    state.patroniPids[name] = null;
    this.saveState(state);
    return pids.length;
  }

  /** Starts a node's Patroni again: it rejoins as a standby (rewound, or copied afresh). */
  startNode(name: string): void {
    const state = this.readState();
    const pid = state.patroniPids[name] ?? null;
    if (pid !== null && this.isOurs(pid, 'patroni')) return;
    state.patroniPids[name] = this.spawnPatroni(this.node(name));
    this.saveState(state);
  }

  /**
   * Stops everything: the standbys' Patroni first (each stops its PostgreSQL), then the
   * primary's, so no standby promotes itself while the primary shuts down; then etcd.
   * Anything still up after the grace period is killed.
   */
  async stop(): Promise<void> {
    if (!existsSync(this.layout.stateFile)) return;
    const state = this.readState();
    const primary = primaryOf(await readCluster(this.restPorts))?.name;
    const order = [
      this.layout.nodes.filter((n) => n.name !== primary),
      this.layout.nodes.filter((n) => n.name === primary),
    ];
    for (const group of order) {
      await Promise.all(
        group.map(async (node) => {
          const pid = state.patroniPids[node.name] ?? null;
          if (pid !== null && this.isOurs(pid, 'patroni')) await stopProcess(pid);
          // Patroni stops its PostgreSQL; one left behind (its Patroni was killed) goes now.
          const postmaster = postmasterPid(node.dataDir);
          if (postmaster !== null && this.isOurs(postmaster, node.dataDir))
            await stopProcess(postmaster, 'SIGINT');
          state.patroniPids[node.name] = null;
        }),
      );
    }
    if (state.etcdPid !== null && this.isOurs(state.etcdPid, 'etcd'))
      await stopProcess(state.etcdPid);
    state.etcdPid = null;
    this.saveState(state);
  }

  async describe(): Promise<string> {
    return describeCluster(await readCluster(this.restPorts));
  }

  private spawnPatroni(node: HaNode): number {
    makeOwnedDir(node.dir, this.user);
    makeOwnedDir(path.join(node.dir, 'log'), this.user);
    writePatroniConfig(this.layout, node, this.pgBinDir);
    if (this.user) chownSync(node.configFile, this.user.uid, this.user.gid);
    return spawnDetached('patroni', [node.configFile], {
      logFile: node.logFile,
      user: this.user,
      cwd: node.dir,
    });
  }

  private async checkPortsFree(): Promise<void> {
    const ports = [
      this.layout.etcd.clientPort,
      this.layout.etcd.peerPort,
      ...this.layout.nodes.flatMap((n) => [n.pgPort, n.restPort]),
    ];
    for (const port of ports) {
      if (!(await portIsFree(port))) {
        throw new Error(`port ${port} is taken: another HA cluster or another program uses it`);
      }
    }
  }

  /** A process id from the state file is ours only while it runs the program we started. */
  private isOurs(pid: number, program: string): boolean {
    if (!isAlive(pid)) return false;
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(program);
    } catch {
      return false;
    }
  }

  private readState(): HaState {
    if (!existsSync(this.layout.stateFile)) return { etcdPid: null, patroniPids: {} };
    return JSON.parse(readFileSync(this.layout.stateFile, 'utf8')) as HaState;
  }

  private saveState(state: HaState): void {
    writeFileSync(this.layout.stateFile, `${JSON.stringify(state, null, 2)}\n`);
  }
}

/** `signal`, then SIGKILL after the grace period; resolves once the process is gone. */
async function stopProcess(pid: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const deadline = Date.now() + STOP_GRACE_MS;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) killAll(processTree(pid));
}

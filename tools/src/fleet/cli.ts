/**
 * `npm run fleet -- up [--ha] | down | status | kill <service> | restart <service>
 *   | add acceptor|leader|replica | remove <member> | replace <member>`
 *
 * Runs a local fleet in the background (each service a detached OS process, logs in
 * .fleet/run/logs). The fleet's plan, pids, its per-run data-API key and admin key are kept in
 * .fleet/run/fleet.json (readable by this user only) so later commands can act on it, with the
 * client keys `up` makes (`clientKey` read-write, `readOnlyClientKey` read-only) for
 * `npm run kv`; no key is ever printed. With `--ha`, `up` first starts a highly available
 * PostgreSQL (tools/src/ha: etcd and three Patroni nodes, in .fleet/run/ha) and the data API
 * follows its primary; `down` stops it too.
 */
import 'dotenv/config';
import { chmodSync, existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { describeFleetHa, startFleetHa, stopFleetHa } from '../ha/fleet-database';
import { addMember, removeMember, replaceMember, type FleetControl } from './member-ops';
import { MEMBER_ROLES, currentConfiguration, type ConfigView, type MemberRole } from './membership';
import { isAlive, probe, serviceLogFile, spawnService } from './service-process';
import { defaultFleetOptions, newFleetClientKeys, planFleet, type ServiceSpec } from './topology';

interface FleetFile {
  services: Array<ServiceSpec & { pid: number | null }>;
  logDir: string;
  /** The replicas' ADMIN_KEY (absent in a fleet started before membership changes). */
  adminKey?: string;
  apiBase?: string;
  apiKey?: string;
  /** Members stopped for good by `remove` or `replace`: their ids are never used again. */
  retired?: string[];
  /** The client keys of the replicas' CLIENT_KEYS (absent in a fleet started without keys). */
  clientKey?: string;
  readOnlyClientKey?: string;
  /** The HA PostgreSQL's folder, when `up --ha` started one. */
  haDir?: string;
}

const options = defaultFleetOptions();
const runDir = path.join(options.workDir, 'run');
const stateFile = path.join(runDir, 'fleet.json');
const logDir = path.join(runDir, 'logs');

function load(): FleetFile {
  if (!existsSync(stateFile))
    throw new Error('no fleet is running here (npm run fleet -- up starts one)');
  return JSON.parse(readFileSync(stateFile, 'utf8')) as FleetFile;
}

function save(f: FleetFile): void {
  mkdirSync(runDir, { recursive: true });
  // Created 0600, not chmodded after: the keys are never readable by others, even briefly.
  writeFileSync(stateFile, JSON.stringify(f, null, 2), { mode: 0o600 });
  chmodSync(stateFile, 0o600);
}

function find(f: FleetFile, name: string | undefined): FleetFile['services'][number] {
  const s = f.services.find((x) => x.name === name);
  if (!s) throw new Error(`name a service: ${f.services.map((x) => x.name).join(', ')}`);
  return s;
}

async function waitHealthy(s: ServiceSpec, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe(s.kind, s.port)) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

async function status(f: FleetFile): Promise<void> {
  console.log('service      port   pid      up    ready');
  for (const s of f.services) {
    const up = s.pid !== null && isAlive(s.pid);
    const ready = up && (await probe(s.kind, s.port));
    console.log(
      `${s.name.padEnd(12)} ${String(s.port).padEnd(6)} ${String(s.pid ?? '-').padEnd(8)} ${(up ? 'yes' : 'no').padEnd(5)} ${ready ? 'yes' : 'no'}`,
    );
  }
}

const describeView = (v: ConfigView): string =>
  `epoch ${v.epoch} from slot ${v.startSlot}, window ${v.window}: acceptors ${v.acceptors.join(' ')}` +
  ` | leaders ${v.leaders.join(' ')} | replicas ${v.replicas.join(' ')}`;

async function showConfiguration(f: FleetFile): Promise<void> {
  const urls = f.services
    .filter((s) => s.kind === 'replica' && s.pid !== null && isAlive(s.pid))
    .map((s) => `http://127.0.0.1:${s.port}`);
  const c = await currentConfiguration(urls);
  if (!c) {
    console.log('configuration: no replica answers GET /config');
    return;
  }
  console.log(`in force: ${describeView(c.inForce)}`);
  console.log(`pending:  ${c.pending ? describeView(c.pending) : 'none'}`);
}

/** The fleet of the state file as member-ops.ts drives it; every change is saved at once. */
function fileControl(f: FleetFile): FleetControl {
  const { adminKey, apiBase, apiKey } = f;
  if (!adminKey || !apiBase || !apiKey) {
    throw new Error('this fleet was started without an admin key: restart it (down, then up)');
  }
  const neurelo = f.services.find((s) => s.kind === 'neurelo');
  return {
    services: () => f.services,
    retiredIds: () => f.retired ?? [],
    basePort: neurelo?.port ?? options.basePort,
    adminKey,
    apiBase,
    apiKey,
    startNew: async (spec) => {
      const s = { ...spec, pid: spawnService(spec, logDir, { detached: true }).pid ?? null };
      f.services.push(s);
      save(f);
      if (!(await waitHealthy(s, 60_000))) {
        throw new Error(`${s.name} did not become ready; see ${serviceLogFile(logDir, s.name)}`);
      }
    },
    stopForGood: async (name) => {
      const s = find(f, name);
      if (s.pid !== null && isAlive(s.pid)) {
        process.kill(s.pid, 'SIGTERM');
        const deadline = Date.now() + 8_000;
        while (Date.now() < deadline && isAlive(s.pid))
          await new Promise((r) => setTimeout(r, 100));
        if (isAlive(s.pid)) process.kill(s.pid, 'SIGKILL');
      }
      f.services = f.services.filter((x) => x.name !== name);
      f.retired = [...(f.retired ?? []), name];
      save(f);
    },
  };
}

function memberRole(name: string | undefined): MemberRole {
  const role = MEMBER_ROLES.find((r) => r === name);
  if (!role) throw new Error(`add what? ${MEMBER_ROLES.join(', ')}`);
  return role;
}

async function main(): Promise<void> {
  const [command, name] = process.argv.slice(2);
  switch (command) {
    case 'up': {
      if (existsSync(stateFile) && load().services.some((s) => s.pid !== null && isAlive(s.pid))) {
        throw new Error('a fleet is already running (npm run fleet -- down stops it)');
      }
      const clientKeys = newFleetClientKeys();
      const haDir = process.argv.includes('--ha') ? path.join(runDir, 'ha') : undefined;
      const plan = planFleet({
        ...options,
        ...(haDir ? { databaseUrls: await startFleetHa(haDir) } : {}),
        workDir: runDir,
        dashboard: { controlFile: stateFile },
        clientKeys,
      });
      const f: FleetFile = {
        services: plan.services.map((s) => ({ ...s, pid: null })),
        logDir,
        adminKey: plan.adminKey,
        apiBase: plan.apiBase,
        apiKey: plan.apiKey,
        retired: [],
        clientKey: clientKeys.clientKey,
        readOnlyClientKey: clientKeys.readOnlyClientKey,
        ...(haDir ? { haDir } : {}),
      };
      for (const s of f.services) {
        s.pid = spawnService(s, logDir, { detached: true }).pid ?? null;
        save(f);
        if (s.kind === 'neurelo' && !(await waitHealthy(s, 60_000))) {
          throw new Error(
            `the local Neurelo server did not start; see ${path.join(logDir, 'neurelo.log')}`,
          );
        }
      }
      const notReady: string[] = [];
      for (const s of f.services) {
        const ok = await waitHealthy(s, 60_000);
        if (!ok) notReady.push(s.name);
        console.log(`${s.name.padEnd(12)} :${s.port} ${ok ? 'ready' : 'NOT READY (see its log)'}`);
      }
      // A script that runs `up` and goes on must not go on against a broken fleet.
      if (notReady.length > 0) {
        console.error(`not ready: ${notReady.join(', ')}; npm run fleet -- down stops the fleet`);
        process.exitCode = 1;
      }
      const dashboard = f.services.find((s) => s.kind === 'dashboard');
      if (dashboard) console.log(`dashboard: http://127.0.0.1:${dashboard.port}/`);
      console.log(
        `client keys: clientKey and readOnlyClientKey in ${stateFile} (npm run kv uses them)`,
      );
      console.log(`logs: ${logDir}`);
      return;
    }
    case 'down': {
      const f = load();
      for (const s of [...f.services].reverse()) {
        if (s.pid !== null && isAlive(s.pid)) process.kill(s.pid, 'SIGTERM');
      }
      const deadline = Date.now() + 8_000;
      while (Date.now() < deadline && f.services.some((s) => s.pid !== null && isAlive(s.pid))) {
        await new Promise((r) => setTimeout(r, 100));
      }
      for (const s of f.services)
        if (s.pid !== null && isAlive(s.pid)) process.kill(s.pid, 'SIGKILL');
      for (const s of f.services) s.pid = null;
      save(f);
      if (f.haDir) await stopFleetHa(f.haDir);
      console.log(f.haDir ? 'fleet and HA PostgreSQL stopped' : 'fleet stopped');
      return;
    }
    case 'status': {
      const f = load();
      await status(f);
      if (f.haDir) console.log(`HA PostgreSQL: ${await describeFleetHa(f.haDir)}`);
      await showConfiguration(f);
      return;
    }
    case 'add': {
      const f = load();
      const id = await addMember(fileControl(f), memberRole(name));
      console.log(`${id} added`);
      return;
    }
    case 'remove': {
      const f = load();
      await removeMember(fileControl(f), find(f, name).name);
      console.log(`${name} removed`);
      return;
    }
    case 'replace': {
      const f = load();
      const id = await replaceMember(fileControl(f), find(f, name).name);
      console.log(`${name} replaced by ${id}`);
      return;
    }
    case 'kill': {
      const f = load();
      const s = find(f, name);
      if (s.pid !== null && isAlive(s.pid)) process.kill(s.pid, 'SIGKILL');
      console.log(`${s.name} killed (SIGKILL)`);
      s.pid = null;
      save(f);
      return;
    }
    case 'restart': {
      const f = load();
      const s = find(f, name);
      if (s.pid !== null && isAlive(s.pid)) process.kill(s.pid, 'SIGKILL');
      s.pid = spawnService(s, logDir, { detached: true }).pid ?? null;
      save(f);
      const ready = await waitHealthy(s, 60_000);
      console.log(`${s.name} ${ready ? 'restarted and ready' : 'restarted but NOT READY'}`);
      if (!ready) process.exitCode = 1;
      return;
    }
    default:
      console.log(
        'usage: npm run fleet -- up [--ha] | down | status | kill <service> | restart <service> |\n' +
          '       add acceptor|leader|replica | remove <member> | replace <member>',
      );
      process.exitCode = command ? 2 : 0;
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

/**
 * A rolling upgrade on real processes (docs/upgrades.md): a fleet whose acceptor-0, leader-0
 * (the first active leader) and replica-1 run protocol version 1, checked out from git at its
 * last commit, and the rest this checkout (version 2), on one local data API. Under client
 * load, each version-1 member is stopped (SIGTERM, as an orchestrator replaces a pod) and
 * started again from this checkout under the same id on its own durable state, one at a time.
 * Nothing acknowledged may be lost, the replicas must converge, the history must be
 * linearizable, no message may go to the dead letters, and every message version 2 sent must
 * read the same under version 1's schemas (at epoch 0 it carries no field version 1 lacks).
 */
import {
  DataApiClient,
  PROTOCOL_STATE_KEY,
  PROTOCOL_VERSION,
  QueueApi,
  parseMessage,
  stampedPayload,
} from '@paxos/shared';
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Fleet } from '../src/fleet/fleet';
import { getJson } from '../src/fleet/service-process';
import { REPO_ROOT, type ServiceSpec } from '../src/fleet/topology';
import { runClients } from '../src/workload/run-clients';
import { replicasLine, verifyRun } from '../src/workload/verify-run';
import { freshFleetDatabase } from './support/fleet-database';
import { MessageSamples, parseWithTree } from './support/message-samples';
import { VERSION_1_COMMIT, checkOutVersion } from './support/previous-version';
import { RecordingProxy } from './support/recording-proxy';
import { VersionedServices, waitForSameState } from './support/versioned-services';

jest.setTimeout(180_000);

const BASE_PORT = 8600;
/** The roles reach the data API through the recording proxy. */
const PROXY_PORT = 8699;
/** Upgraded in this order: replicas first, then acceptors, then leaders (docs/upgrades.md). */
const VERSION_1_MEMBERS = ['replica-1', 'acceptor-0', 'leader-0'];
const CLIENTS = 4;

describe('a fleet of protocol versions 1 and 2, upgraded in place one member at a time', () => {
  const workDir = path.join(os.tmpdir(), `paxos-mixed-version-${process.pid}`);
  const version1Dir = path.join(workDir, 'version-1');
  const samples = new MessageSamples();
  const proxy = new RecordingProxy({ host: '127.0.0.1', port: BASE_PORT }, (sends) =>
    samples.add(sends),
  );
  let fleet: Fleet;
  let services: VersionedServices;
  let dropDatabase: () => Promise<void> = async () => undefined;
  let queue: QueueApi;
  let dataApi: DataApiClient;

  const roles = (): ServiceSpec[] => fleet.services.filter((s) => s.kind !== 'neurelo');
  const throughProxy = (spec: ServiceSpec): ServiceSpec => ({
    ...spec,
    env: { ...spec.env, NEURELO_API_BASE: `http://127.0.0.1:${PROXY_PORT}` },
  });
  const startMember = (spec: ServiceSpec, version: 1 | 2): void =>
    services.start(throughProxy(spec), version === 1 ? version1Dir : REPO_ROOT, `v${version}`);

  const began = Date.now();
  const seconds = (): string => `${Math.round((Date.now() - began) / 1000)} s`;
  /** When each phase ended, printed at the end: the test's time goes to starting processes. */
  const timeline: string[] = [];

  beforeAll(async () => {
    rmSync(workDir, { recursive: true, force: true });
    // Fails (never skips) without the history or with changed dependencies.
    checkOutVersion(VERSION_1_COMMIT, version1Dir);
    timeline.push(`version 1 checked out ${seconds()}`);
    const db = await freshFleetDatabase('mixedversion');
    dropDatabase = db.drop;
    fleet = new Fleet({
      acceptors: 3,
      leaders: 2,
      replicas: 2,
      basePort: BASE_PORT,
      workDir,
      databaseUrl: db.databaseUrl,
      roleEnv: {
        LEADER_TIMEOUT_MS: '1000',
        LEADER_HEARTBEAT_MS: '300',
        LEADER_RETRANSMIT_MS: '1000',
        REPLICA_RETRY_MS: '1000',
        // As docs/upgrades.md says while acceptors of a release without read probes remain:
        // reads take a slot, so no probe reaches a version-1 acceptor's dead letters.
        REPLICA_READ_PROBES: 'false',
        LOG_LEVEL: 'warn',
      },
    });
    fleet.start('neurelo');
    await fleet.waitReady(['neurelo'], 60_000);
    timeline.push(`data API ready ${seconds()}`);
    await proxy.listen(PROXY_PORT);
    dataApi = new DataApiClient({ baseUrl: fleet.apiBase, apiKey: fleet.apiKey });
    queue = new QueueApi(dataApi);
    services = new VersionedServices(fleet.logDir);
    // leader-1 comes once leader-0 (version 1) leads: started together, the version-1 leader
    // (slower to start) would find leader-1 already in charge, and never lead at all.
    const first = roles().filter((s) => s.name !== 'leader-1');
    for (const spec of first) startMember(spec, VERSION_1_MEMBERS.includes(spec.name) ? 1 : 2);
    await Promise.all(first.map((spec) => services.waitReady(spec, 90_000)));
    await waitFor('leader-0 (version 1) to lead', 30_000, async () => {
      const view = (await getJson(fleet.spec('leader-0').port, '/state')) as {
        state: { active?: boolean } | null;
      } | null;
      return view?.state?.active === true;
    });
    startMember(fleet.spec('leader-1'), 2);
    await services.waitReady(fleet.spec('leader-1'), 90_000);
    timeline.push(`fleet ready ${seconds()}`);
  });

  afterAll(async () => {
    await services?.stopAll();
    await proxy.close();
    await fleet?.down();
    await dropDatabase();
    // KEEP_FLEET_DIR=1 keeps the services' logs (and the version-1 tree) to read after a failure.
    if (!process.env.KEEP_FLEET_DIR) rmSync(workDir, { recursive: true, force: true });
  });

  it('serves clients throughout, loses nothing acknowledged, converges and stays linearizable', async () => {
    // The version-1 members really run the old code, which reports no version.
    for (const spec of roles()) {
      expect([spec.name, await versionInMetrics(spec)]).toEqual([
        spec.name,
        VERSION_1_MEMBERS.includes(spec.name) ? 1 : PROTOCOL_VERSION,
      ]);
    }

    const replicaUrls = fleet.named('replica').map((s) => `http://127.0.0.1:${s.port}`);
    const ownedKey = (key: string) => key.startsWith('c');
    let stop = false;
    let acknowledged = 0;
    const load = runClients({
      clients: CLIENTS,
      replicaUrls,
      // Each client owns three keys (lost writes are checked there); all share one.
      nextOp: (i, n) =>
        n % 5 === 4
          ? { kind: 'put', key: 'shared', value: `c${i}-${n}` }
          : n % 4 === 3
            ? { kind: 'get', key: `c${i}-k${n % 3}` }
            : { kind: 'put', key: `c${i}-k${n % 3}`, value: `c${i}-v${n}` },
      shouldStop: () => stop,
      commandDeadlineMs: 30_000,
      attemptTimeoutMs: 5_000,
      onAcknowledged: () => (acknowledged += 1),
    });
    /** Waits until the clients have had `count` more answers. */
    const progress = async (count: number, what: string): Promise<void> => {
      const target = acknowledged + count;
      const deadline = Date.now() + 30_000;
      while (acknowledged < target) {
        if (Date.now() > deadline) throw new Error(`no progress ${what}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };

    await progress(30, 'on the mixed fleet');
    timeline.push(`30 answers from the mixed fleet ${seconds()}`);
    for (const name of VERSION_1_MEMBERS) {
      const before = await queue.loadDurable(name);
      // Version 1 wrote state, and no version row: the upgrade below is of real version-1 state.
      expect(before.size).toBeGreaterThan(0);
      expect(before.has(PROTOCOL_STATE_KEY)).toBe(false);
      expect(services.labelOf(name)).toBe('v1');
      expect(await services.stop(name)).toEqual({ code: 0, signal: null });
      startMember(fleet.spec(name), 2);
      await services.waitReady(fleet.spec(name), 60_000);
      expect((await queue.loadDurable(name)).get(PROTOCOL_STATE_KEY)?.value).toBe(PROTOCOL_VERSION);
      await progress(20, `after upgrading ${name}`);
      timeline.push(`${name} upgraded ${seconds()}`);
    }
    await progress(20, 'on the upgraded fleet');
    stop = true;
    const run = await load;

    const { converged, views } = await waitForSameState(fleet.named('replica'), 60_000);
    if (!converged) throw new Error(`replicas did not converge: ${replicasLine(views)}`);
    const keys = [
      'shared',
      ...Array.from({ length: CLIENTS }, (_, i) => [0, 1, 2].map((k) => `c${i}-k${k}`)).flat(),
    ];
    const verdict = await verifyRun({ history: run.history, keys, ownedKey, replicaUrls });
    expect(verdict.unread).toEqual([]);
    expect(verdict.lost).toEqual([]);
    expect(verdict.linearizability.explanation ?? '').toBe('');
    expect(verdict.linearizability.linearizable).toBe(true);
    expect(run.acknowledged).toBeGreaterThan(100);

    // Every process runs, and its state carries, version 2; nothing went to the dead letters.
    for (const spec of roles()) {
      expect([spec.name, await versionInMetrics(spec)]).toEqual([spec.name, PROTOCOL_VERSION]);
      const durable = await queue.loadDurable(spec.name);
      expect([spec.name, durable.get(PROTOCOL_STATE_KEY)?.value]).toEqual([
        spec.name,
        PROTOCOL_VERSION,
      ]);
    }
    const dead = await dataApi.request({ method: 'GET', path: '/rest/dead_letter' });
    expect(dead.data).toEqual([]);

    timeline.push(`checked ${seconds()}`);
    console.log(
      `mixed-version fleet: ${run.acknowledged} acknowledged; ${timeline.join(', ')}; ` +
        `messages by version and type: ${[...samples.counts].map(([k, n]) => `${k}=${n}`).join(', ')}`,
    );
  });

  it('every message version 2 sent reads the same under version 1, and version 1 sent messages too', () => {
    // Both versions talked: version-1 members sent unstamped messages, version 2 stamped ones.
    // leader-0 led while it ran version 1: its phase 2, decisions and heartbeats went out too.
    for (const tally of ['v1 p2a', 'v1 decision', 'v1 heartbeat', 'v1 propose', 'v1 p2b']) {
      expect([tally, (samples.counts.get(tally) ?? 0) > 0]).toEqual([tally, true]);
    }
    const fromVersion2 = samples.of(PROTOCOL_VERSION);
    const types = new Set(fromVersion2.map((s) => s.type));
    for (const type of [
      'propose',
      'decision',
      'p1a',
      'p1b',
      'p2a',
      'p2b',
      'heartbeat',
      'progress',
    ]) {
      expect([type, types.has(type)]).toEqual([type, true]);
    }
    // At epoch 0 version 2 adds nothing version 1 would drop: its parse equals version 2's.
    // The check has teeth: a p1a of epoch 3 (which version 1 would read as epoch 0) must differ.
    const outOfReach = {
      type: 'p1a',
      from: 'leader-9',
      payload: stampedPayload({
        type: 'p1a',
        from: 'leader-9',
        ballot: { epoch: 3, round: 1, leaderId: 'leader-9' },
      }),
    };
    const checked = [...fromVersion2, outOfReach];
    const underVersion1 = parseWithTree(
      version1Dir,
      checked.map((s) => s.payload),
    );
    const differences = checked.flatMap((sample, i) => {
      const own = parseMessage(JSON.parse(sample.payload));
      const old = underVersion1[i]!;
      if (!own.ok) return [`${sample.type} from ${sample.from}: version 2 refuses it`];
      if (!old.ok)
        return [`${sample.type} from ${sample.from}: version 1 refuses it: ${old.reason}`];
      return JSON.stringify(sortKeys(old.message)) === JSON.stringify(sortKeys(own.message))
        ? []
        : [`${sample.type} from ${sample.from}: version 1 reads ${JSON.stringify(old.message)}`];
    });
    expect(differences).toEqual([
      'p1a from leader-9: version 1 reads {"type":"p1a","from":"leader-9","ballot":{"round":1,"leaderId":"leader-9"}}',
    ]);
  });
});

/** The protocol version a service reports in /metrics; version 1 reported none. */
async function versionInMetrics(spec: ServiceSpec): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${spec.port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('paxos_protocol_version{'));
  return line === undefined ? 1 : Number(line.split(' ').pop());
}

async function waitFor(what: string, timeoutMs: number, ok: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A JSON value with every object's keys in order, to compare two parses field by field. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => [k, sortKeys(v)]),
  );
}

/**
 * The change feed against a real fleet (separate OS processes, the data API on DATABASE_URL's
 * PostgreSQL or PGlite): a watcher on one replica sees every acknowledged change of its prefix
 * exactly once, in order, across a SIGKILL and restart of that replica, resuming from the
 * revision after the last one it saw (and, the same, from its slot with the seen ones skipped).
 */
import { slotOfRevision, type OpResult } from '@paxos/shared';
import http from 'node:http';
import type { Fleet } from '../src/fleet/fleet';
import { KvClient } from '../src/workload/kv-client';
import { wallClock } from '../src/workload/run-clients';
import { QUICK_FAILOVER_ENV, startTestFleet } from './support/test-fleet';

jest.setTimeout(240_000);

const BASE_PORT = 8300;
const RETENTION_SLOTS = 400;

interface FeedEvent {
  id: number;
  event: string;
  data: { revision: number; slot: number; position: number; key: string; value: string | null };
}

/** A GET /watch held open: its events as they come, or its status and JSON body. */
interface Feed {
  status: number;
  body: unknown;
  events: FeedEvent[];
  others: Array<{ event: string; data: string }>;
  ended: Promise<void>;
  close: () => void;
}

function openFeed(
  port: number,
  query: string,
  headers: Record<string, string> = {},
): Promise<Feed> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: `/watch?${query}`, headers }, (res) => {
      let endedResolve!: () => void;
      const feed: Feed = {
        status: res.statusCode ?? 0,
        body: null,
        events: [],
        others: [],
        ended: new Promise<void>((r) => (endedResolve = r)),
        close: () => req.destroy(),
      };
      res.on('close', () => endedResolve());
      res.on('error', () => endedResolve());
      res.setEncoding('utf8');
      if (feed.status !== 200) {
        let text = '';
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          feed.body = JSON.parse(text);
          resolve(feed);
        });
        return;
      }
      let buffer = '';
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = new Map<string, string>();
          for (const line of frame.split('\n')) {
            if (line.startsWith(':')) continue;
            const colon = line.indexOf(':');
            fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
          }
          if (!fields.has('event')) continue;
          const event = fields.get('event')!;
          if (event === 'put' || event === 'delete') {
            feed.events.push({
              id: Number(fields.get('id')),
              event,
              data: JSON.parse(fields.get('data')!) as FeedEvent['data'],
            });
          } else feed.others.push({ event, data: fields.get('data') ?? '' });
        }
      });
      resolve(feed);
    });
    req.on('error', reject);
  });
}

async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the change feed on a real fleet', () => {
  let fleet: Fleet;
  let stop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ fleet, stop } = await startTestFleet({
      name: 'watch',
      acceptors: 3,
      leaders: 1,
      replicas: 2,
      basePort: BASE_PORT,
      roleEnv: {
        ...QUICK_FAILOVER_ENV,
        // Snapshots truncate decisions often: the history must outlive them, on disk too.
        SNAPSHOT_EVERY_SLOTS: '10',
        REPLICA_WATCH_RETENTION_SLOTS: String(RETENTION_SLOTS),
      },
    }));
  });

  afterAll(async () => {
    await stop?.();
  });

  it('a watcher sees every change exactly once, in order, across a SIGKILL of its replica', async () => {
    const [watched, other] = fleet.named('replica');
    const writer = new KvClient({
      // Writes go through the replica nobody kills: they continue while the watched one is down.
      replicaUrls: [`http://127.0.0.1:${other!.port}`],
      commandDeadlineMs: 30_000,
      attemptTimeoutMs: 5_000,
      clock: wallClock,
    });
    /** The changes the feed must show for prefix `w/`, in the order they were acknowledged. */
    const expected: Array<{ key: string; value: string | null }> = [];
    let n = 0;
    const write = async (count: number): Promise<void> => {
      for (let i = 0; i < count; i++, n++) {
        const key = `w/${n % 5}`;
        const op =
          n % 7 === 3
            ? ({ kind: 'delete', key } as const)
            : n % 11 === 5
              ? ({ kind: 'put', key: `other/${n}`, value: `${n}` } as const)
              : ({ kind: 'put', key, value: `v${n}` } as const);
        const { result } = await writer.run(op);
        expect(result).not.toBeNull();
        const r = result as OpResult;
        if (op.kind === 'put' && op.key.startsWith('w/')) expected.push({ key, value: op.value });
        if (op.kind === 'delete' && r.value !== null) expected.push({ key, value: null });
      }
    };

    // A bad query is refused before anything streams.
    const bad = await openFeed(watched!.port, 'from=soon');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'invalid-watch' });

    const first = await openFeed(watched!.port, 'prefix=w/&from=0');
    expect(first.status).toBe(200);
    await write(40);
    await until('the first feed to catch up', () => first.events.length === expected.length);

    await fleet.kill(watched!.name);
    await first.ended;
    await write(30);
    fleet.start(watched!.name);
    await fleet.waitReady([watched!.name], 60_000);

    const last = first.events[first.events.length - 1]!.id;
    const resumed = await openFeed(watched!.port, `prefix=w/&from=${last + 1}`);
    expect(resumed.status).toBe(200);
    // The same by slot, skipping what it had already seen.
    const bySlot = await openFeed(watched!.port, `prefix=w/&fromSlot=${slotOfRevision(last)}`);
    expect(bySlot.status).toBe(200);
    await write(30);
    const seen = () => [...first.events, ...resumed.events];
    await until('the resumed feed to catch up', () => seen().length >= expected.length);
    await until('the feed by slot to catch up', () =>
      bySlot.events.some((e) => e.id === seen()[seen().length - 1]!.id),
    );

    const all = seen();
    expect(all.map((e) => ({ key: e.data.key, value: e.data.value }))).toEqual(expected);
    for (let i = 1; i < all.length; i++) expect(all[i]!.id).toBeGreaterThan(all[i - 1]!.id);
    for (const e of all) {
      expect(e.id).toBe(e.data.revision);
      expect(e.event).toBe(e.data.value === null ? 'delete' : 'put');
    }
    expect(bySlot.events.filter((e) => e.id > last)).toEqual(resumed.events);

    // The whole history, from the start, out of the restarted replica: below its snapshots it
    // comes from the change rows, whose decisions are truncated.
    const full = await openFeed(watched!.port, 'prefix=w/&from=0');
    expect(full.status).toBe(200);
    await until('the full feed', () => full.events.length >= all.length);
    expect(full.events.map((e) => e.id)).toEqual(all.map((e) => e.id));
    full.close();
    resumed.close();
    bySlot.close();
  });

  it('answers 410 below the retention, with the oldest revision it keeps', async () => {
    const [watched] = fleet.named('replica');
    const writer = new KvClient({
      replicaUrls: [`http://127.0.0.1:${watched!.port}`],
      commandDeadlineMs: 30_000,
      attemptTimeoutMs: 5_000,
      clock: wallClock,
    });
    const live = await openFeed(watched!.port, 'prefix=r/');
    // Past the retention: every command is a slot of its own here (one client, one at a time).
    for (let i = 0; i < RETENTION_SLOTS + 20; i++)
      await writer.run({ kind: 'put', key: `r/${i % 3}`, value: `${i}` });
    const gone = await openFeed(watched!.port, 'from=0');
    expect(gone.status).toBe(410);
    const body = gone.body as { code: string; oldestRevision: number };
    expect(body.code).toBe('revision-compacted');
    expect(body.oldestRevision).toBeGreaterThan(0);
    const atOldest = await openFeed(watched!.port, `from=${body.oldestRevision}`);
    expect(atOldest.status).toBe(200);
    atOldest.close();
    // The live feed (from now on) saw each of those puts once.
    await until('the live feed', () => live.events.length === RETENTION_SLOTS + 20);
    expect(live.events.map((e) => e.data.value)).toEqual(
      Array.from({ length: RETENTION_SLOTS + 20 }, (_, i) => `${i}`),
    );
    live.close();
  });
});

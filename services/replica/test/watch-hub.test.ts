import { revisionOf } from '@paxos/shared';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { newWatchHistory, type WatchHistory } from '../src/role/watch-history';
import { WatchHub } from '../src/service/watch-hub';

/**
 * The feed's fan-out (service/watch-hub.ts) over real sockets in this process, driven by a
 * history built by hand: the bound on watchers, compaction, and a watcher that stops reading.
 */

function historyWith(slots: number, valueBytes: number, fromSlot = 1): WatchHistory {
  const history = newWatchHistory(fromSlot);
  for (let slot = fromSlot; slot < fromSlot + slots; slot++) {
    history.slots.set(slot, {
      slot,
      changes: [{ position: 0, key: `k/${slot}`, value: 'v'.repeat(valueBytes) }],
      jsonBytes: valueBytes,
    });
  }
  return history;
}

async function serve(hub: WatchHub, prefix = 'k/'): Promise<{ port: number; close: () => void }> {
  const server = http.createServer((req, res) => {
    const from = new URL(req.url!, 'http://x').searchParams.get('from');
    const added = hub.add(res, prefix, from === null ? null : Number(from));
    if (!added.ok) res.writeHead(added.status).end(JSON.stringify(added));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

function get(port: number, path: string): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) =>
    http.get({ host: '127.0.0.1', port, path }, resolve).on('error', reject),
  );
}

const text = (res: http.IncomingMessage): Promise<string> =>
  new Promise((resolve) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => (body += c));
    res.on('end', () => resolve(body));
    res.on('close', () => resolve(body));
  });

describe('the watch hub', () => {
  let history: WatchHistory;
  let hub: WatchHub;
  let server: { port: number; close: () => void };

  afterEach(() => {
    hub.close();
    server.close();
  });

  it('answers 503 before the first commit is known and past its watcher bound', async () => {
    history = historyWith(3, 10);
    hub = new WatchHub({
      history: () => history,
      lagEventsMax: 100,
      watchersMax: 1,
      heartbeatMs: 60_000,
    });
    server = await serve(hub);
    const early = await get(server.port, '/watch');
    expect(early.statusCode).toBe(503);
    expect(JSON.parse(await text(early))).toMatchObject({ code: 'not-ready' });
    hub.onApplied(4);
    const first = await get(server.port, '/watch?from=0');
    expect(first.statusCode).toBe(200);
    const second = await get(server.port, '/watch?from=0');
    expect(second.statusCode).toBe(503);
    expect(JSON.parse(await text(second))).toMatchObject({ code: 'overloaded' });
    first.destroy();
  });

  it('answers 410 below the history, naming the oldest revision', async () => {
    history = historyWith(3, 10, 50);
    hub = new WatchHub({
      history: () => history,
      lagEventsMax: 100,
      watchersMax: 10,
      heartbeatMs: 60_000,
    });
    server = await serve(hub);
    hub.onApplied(53);
    const res = await get(server.port, `/watch?from=${revisionOf(49, 5)}`);
    expect(res.statusCode).toBe(410);
    expect(JSON.parse(await text(res))).toMatchObject({
      code: 'revision-compacted',
      oldestRevision: revisionOf(50, 0),
    });
    const ok = await get(server.port, `/watch?from=${revisionOf(50, 0)}`);
    expect(ok.statusCode).toBe(200);
    ok.destroy();
  });

  it('tells a watcher that stops reading where to resume, right after its last event', async () => {
    history = historyWith(1, 10);
    hub = new WatchHub({
      history: () => history,
      lagEventsMax: 5,
      watchersMax: 10,
      heartbeatMs: 60_000,
    });
    server = await serve(hub);
    hub.onApplied(1);
    const res = await get(server.port, '/watch');
    res.pause();
    // Slot 1 is published first, then 399 more slots of 50 KB each: far more than its socket holds.
    const big = historyWith(400, 50_000);
    history = big;
    hub.onApplied(2);
    await new Promise((r) => setTimeout(r, 50));
    hub.onApplied(401);
    for (let i = 0; i < 50 && hub.size > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(hub.size).toBe(0);
    res.resume();
    const body = await text(res);
    const ids = [...body.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids[0]).toBe(revisionOf(1, 0));
    for (let i = 1; i < ids.length; i++) expect(ids[i]).toBe(ids[i - 1]! + 16_384);
    const lagged = /event: lagged\ndata: (.*)\n/.exec(body);
    expect(lagged).not.toBeNull();
    expect(JSON.parse(lagged![1]!)).toEqual({ resumeFrom: ids[ids.length - 1]! + 1 });
  });
});

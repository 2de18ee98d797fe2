/**
 * The change feed's client against a scripted replica: it resumes after a cut stream at the
 * revision after the last change it gave (on the next replica), yields each change once,
 * follows a `lagged` event, and turns a 410 into CompactedError. Ports 8472-8474.
 */
import type http from 'node:http';
import { CompactedError, ForbiddenError, PaxosClient, type Change } from '../src';
import { fakeReplica, send, type FakeReplica } from './support/fake-replica';

let a: FakeReplica;
let b: FakeReplica;
let c: PaxosClient;

beforeEach(async () => {
  a = await fakeReplica(8472);
  b = await fakeReplica(8473);
  c = new PaxosClient({
    endpoints: [a.url, b.url],
    retry: { backoffMsInitial: 10, backoffMsMax: 50, attemptsMax: 5 },
  });
});

afterEach(async () => {
  c.close();
  await a.close();
  await b.close();
});

const change = (revision: number, key: string, value: string | null) => ({
  revision,
  slot: Math.floor(revision / 16_384),
  position: revision % 16_384,
  key,
  value,
});

function stream(res: http.ServerResponse): (text: string) => void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
  res.flushHeaders();
  return (text) => res.write(text);
}

const event = (c: ReturnType<typeof change>, kind = c.value === null ? 'delete' : 'put') =>
  `id: ${c.revision}\nevent: ${kind}\ndata: ${JSON.stringify(c)}\n\n`;

const fromOf = (url: string) => new URL(url, 'http://x').searchParams.get('from');

async function take(n: number, iterable: AsyncIterable<Change>): Promise<Change[]> {
  const got: Change[] = [];
  for await (const ch of iterable) {
    got.push(ch);
    if (got.length === n) break;
  }
  return got;
}

describe('watch', () => {
  it('resumes on the next replica from the last revision + 1 and yields each change once', async () => {
    const r1 = change(16_384 * 5 + 0, 'app/a', '1');
    const r2 = change(16_384 * 5 + 1, 'app/b', '2');
    const r3 = change(16_384 * 6 + 0, 'app/a', null);
    a.onWatch = (_req, res) => {
      const write = stream(res);
      write(': hello\n\n' + event(r1));
      // Half an event, then the replica dies.
      write(event(r2).slice(0, 20));
      setTimeout(() => res.socket?.destroy(), 30);
    };
    b.onWatch = (_req, res) => {
      // The new replica sends from what was asked; an older change it sends again is skipped.
      const write = stream(res);
      write(event(r1) + event(r2) + event(r3));
    };
    const got = await take(3, c.watch({ prefix: 'app/', from: r1.revision }));
    expect(got.map((x) => [x.revision, x.type, x.key, x.value])).toEqual([
      [r1.revision, 'put', 'app/a', '1'],
      [r2.revision, 'put', 'app/b', '2'],
      [r3.revision, 'delete', 'app/a', null],
    ]);
    const urls = [...a.received, ...b.received].map((r) => r.path);
    expect(urls[0]).toBe(`/watch?prefix=app%2F&from=${r1.revision}`);
    expect(fromOf(b.received[0]!.path)).toBe(String(r1.revision + 1));
  });

  it('follows a lagged event by reconnecting from its resumeFrom', async () => {
    const r1 = change(16_384 * 9, 'k', 'v');
    let connections = 0;
    a.onWatch = (_req, res) => {
      connections += 1;
      const write = stream(res);
      if (connections === 1) {
        write(`event: lagged\ndata: ${JSON.stringify({ resumeFrom: r1.revision })}\n\n`);
        res.end();
      } else write(event(r1));
    };
    const got = await take(1, c.watch({ fromSlot: 3 }));
    expect(got[0]!.revision).toBe(r1.revision);
    const paths = [...a.received, ...b.received].map((r) => fromOf(r.path));
    expect(paths).toEqual([String(3 * 16_384), String(r1.revision)]);
  });

  it('raises CompactedError with the oldest revision on 410', async () => {
    a.onWatch = (_req, res) =>
      send(res, 410, { code: 'revision-compacted', error: 'gone', oldestRevision: 12_345 });
    const err = await take(1, c.watch({ from: 1 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CompactedError);
    expect((err as CompactedError).oldestRevision).toBe(12_345);
  });

  it('raises ForbiddenError for a prefix outside the key, without retrying', async () => {
    a.onWatch = (_req, res) => send(res, 403, { code: 'forbidden', error: 'outside prefix' });
    await expect(take(1, c.watch({ prefix: 'x' }))).rejects.toBeInstanceOf(ForbiddenError);
    expect(a.received).toHaveLength(1);
  });

  it('ends quietly when its signal aborts', async () => {
    a.onWatch = (_req, res) => stream(res)(': idle\n\n');
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 100);
    const got = await take(1, c.watch({ signal: stop.signal }));
    expect(got).toEqual([]);
  });
});

describe('watch on a silent connection', () => {
  it('takes a stream silent past idleTimeoutMs as lost and opens another', async () => {
    const r1 = change(16_384 * 2, 'k', 'v');
    a.onWatch = (_req, res) => stream(res)(''); // headers, then nothing, never closed
    b.onWatch = (_req, res) => stream(res)(event(r1));
    const got = await take(1, c.watch({ from: r1.revision, idleTimeoutMs: 200 }));
    expect(got[0]!.revision).toBe(r1.revision);
    expect(b.received).toHaveLength(1);
  });
});

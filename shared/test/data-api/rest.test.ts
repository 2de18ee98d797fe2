import { DataApiClient, DataApiResponseError, RestApi } from '@paxos/shared';
import { z } from 'zod';
import {
  type ScriptedReply,
  type ScriptedServer,
  ok,
  startScriptedServer,
} from './support/scripted-server';

const open: Array<{ server: ScriptedServer; client: DataApiClient }> = [];

async function restFor(
  script: ScriptedReply[],
): Promise<{ rest: RestApi; server: ScriptedServer }> {
  const server = await startScriptedServer(script);
  const client = new DataApiClient({ baseUrl: server.baseUrl, apiKey: 'neurelo_test', retries: 0 });
  open.push({ server, client });
  return { rest: new RestApi(client), server };
}

afterEach(async () => {
  for (const { server, client } of open.splice(0)) {
    client.close();
    await server.close();
  }
});

function queryOf(url: string | undefined): Record<string, string> {
  return Object.fromEntries(new URL(url ?? '', 'http://x').searchParams);
}

describe('RestApi', () => {
  it('finds many with JSON-encoded filter, select and order_by', async () => {
    const { rest, server } = await restFor([ok([{ dst: 'a', seq: 1 }])]);
    const rows = await rest.findMany('queue_item', {
      filter: { dst: { in: ['a', 'b'] } },
      select: { dst: true, seq: true },
      orderBy: [{ seq: 'asc' }],
      skip: 5,
      take: 10,
      rowSchema: z.object({ dst: z.string(), seq: z.number() }),
    });
    expect(rows).toEqual([{ dst: 'a', seq: 1 }]);
    const request = server.requests[0];
    expect(request?.method).toBe('GET');
    expect(request?.url.split('?')[0]).toBe('/rest/queue_item');
    expect(queryOf(request?.url)).toEqual({
      filter: '{"dst":{"in":["a","b"]}}',
      select: '{"dst":true,"seq":true}',
      order_by: '[{"seq":"asc"}]',
      skip: '5',
      take: '10',
    });
  });

  it('creates one and many, deletes many by filter', async () => {
    const { rest, server } = await restFor([
      { kind: 'json', status: 201, body: { data: { element_identifier: 'x' } } },
      { kind: 'json', status: 201, body: { data: { count: 2 } } },
      ok({ count: 3 }),
    ]);
    await expect(rest.createOne('queue_item', { element_identifier: 'x' })).resolves.toEqual({
      element_identifier: 'x',
    });
    await expect(rest.createMany('dead_letter', [{ a: 1 }, { a: 2 }])).resolves.toBe(2);
    await expect(rest.deleteMany('queue_item', { dst: 'a' })).resolves.toBe(3);
    await expect(rest.createMany('dead_letter', [])).resolves.toBe(0);
    expect(server.requests.map((r) => `${r.method} ${r.url.split('?')[0]} ${r.body}`)).toEqual([
      'POST /rest/queue_item/__one {"element_identifier":"x"}',
      'POST /rest/dead_letter [{"a":1},{"a":2}]',
      'DELETE /rest/queue_item ',
    ]);
    expect(queryOf(server.requests[2]?.url)).toEqual({ filter: '{"dst":"a"}' });
  });

  it('refuses a count that is not a count', async () => {
    const { rest } = await restFor([ok([{ count: 1 }])]);
    await expect(rest.deleteMany('queue_item', { dst: 'a' })).rejects.toThrow(DataApiResponseError);
  });

  it('reuses keep-alive connections instead of opening one per call', async () => {
    const calls = 8;
    const { rest, server } = await restFor(Array.from({ length: calls }, () => ok([])));
    for (let i = 0; i < calls; i += 1) await rest.findMany('queue_item');
    // The pool may dispatch a call before the previous one's connection is marked free, so
    // sequential calls alternate between two connections; never one per call.
    expect(new Set(server.requests.map((r) => r.remotePort)).size).toBeLessThanOrEqual(2);
  });

  it.each(['queue item', '../custom/x', ''])('refuses object name %p', async (name) => {
    const { rest } = await restFor([]);
    await expect(rest.findMany(name)).rejects.toThrow(RangeError);
  });
});

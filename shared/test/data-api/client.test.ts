import { inspect } from 'node:util';
import {
  DataApiAbortedError,
  DataApiClient,
  type DataApiClientOptions,
  DataApiRequestError,
  DataApiResponseError,
  DataApiUnavailableError,
  type RetryEvent,
} from '@paxos/shared';
import {
  type ScriptedReply,
  type ScriptedServer,
  failure,
  ok,
  startScriptedServer,
} from './support/scripted-server';

const API_KEY = 'neurelo_test_key_that_must_never_leak';

interface Harness {
  server: ScriptedServer;
  client: DataApiClient;
  sleeps: number[];
  retries: RetryEvent[];
}

const open: Harness[] = [];

async function harness(
  script: ScriptedReply[],
  options: Partial<DataApiClientOptions> = {},
): Promise<Harness> {
  const server = await startScriptedServer(script);
  const sleeps: number[] = [];
  const retries: RetryEvent[] = [];
  const client = new DataApiClient({
    baseUrl: server.baseUrl,
    apiKey: API_KEY,
    timeoutMs: 2_000,
    retries: 5,
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    onRetry: (event) => retries.push(event),
    ...options,
  });
  const h = { server, client, sleeps, retries };
  open.push(h);
  return h;
}

afterEach(async () => {
  for (const h of open.splice(0)) {
    h.client.close();
    await h.server.close();
  }
});

describe('DataApiClient retries', () => {
  const recovering: Array<[string, ScriptedReply[], string[]]> = [
    ['503 then 200', [failure(503), ok([{ n: 1 }])], ['HTTP 503: failure 503']],
    ['a dropped connection then 200', [{ kind: 'destroy' }, ok([{ n: 1 }])], ['UND_ERR_SOCKET']],
    [
      'several 5xx then 200',
      [
        failure(500),
        failure(502),
        { kind: 'text', status: 504, body: '<html>gateway</html>' },
        ok([{ n: 1 }]),
      ],
      ['HTTP 500: failure 500', 'HTTP 502: failure 502', 'HTTP 504: <html>gateway</html>'],
    ],
  ];
  it.each(recovering)('recovers from %s', async (_name, script, failures) => {
    const h = await harness(script);
    const result = await h.client.custom('anything', 'POST', { a: 1 });
    expect(result.rows).toEqual([{ n: 1 }]);
    expect(h.server.requests).toHaveLength(script.length);
    expect(h.retries.map((r) => r.failure)).toEqual(failures);
    // Every attempt resends the same request.
    expect(new Set(h.server.requests.map((r) => r.body)).size).toBe(1);
  });

  const refused: Array<[number, string]> = [
    [400, 'variable limit must be an Int'],
    [401, 'invalid API key'],
    [403, 'read-only key'],
    [404, 'no such custom query'],
    [429, 'slow down'],
  ];
  it.each(refused)('never retries %i', async (status, message) => {
    const h = await harness([failure(status, message), ok([])]);
    const error = await h.client.custom('anything', 'GET').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataApiRequestError);
    expect(error).toMatchObject({
      status,
      messages: [message],
      method: 'GET',
      path: '/custom/anything',
    });
    expect(h.server.requests).toHaveLength(1);
    expect(h.sleeps).toEqual([]);
  });

  it('gives up with DataApiUnavailableError once retries are spent', async () => {
    const h = await harness(
      Array.from({ length: 4 }, () => failure(503)),
      { retries: 3 },
    );
    const error = await h.client.custom('anything', 'GET').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataApiUnavailableError);
    expect(error).toMatchObject({ attempts: 4, lastFailure: 'HTTP 503: failure 503' });
    expect(h.server.requests).toHaveLength(4);
  });

  it('retries a refused connection', async () => {
    const h = await harness([]);
    await h.server.close();
    const error = await h.client.custom('anything', 'GET').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataApiUnavailableError);
    expect(error).toMatchObject({ attempts: 6, lastFailure: 'ECONNREFUSED' });
  });

  it('waits with jittered exponential backoff, capped', async () => {
    const randoms = [0, 0.999, 0.5, 0.5, 0.5, 0.5];
    const h = await harness(
      Array.from({ length: 6 }, () => failure(503)),
      {
        retryDelayMsBase: 100,
        retryDelayMsMax: 1_000,
        random: () => randoms.shift() ?? 0,
      },
    );
    await expect(h.client.custom('anything', 'GET')).rejects.toThrow(DataApiUnavailableError);
    // Ceilings 100, 200, 400, 800, 1000: half of each is fixed, the other half random.
    expect(h.sleeps).toEqual([50, 200, 300, 600, 750]);
  });
});

describe('DataApiClient timeouts and aborts', () => {
  it('abandons an attempt that outlasts timeoutMs and retries it', async () => {
    const h = await harness([{ kind: 'hang' }, ok([{ n: 2 }])], { timeoutMs: 150 });
    const result = await h.client.custom('anything', 'GET');
    expect(result.rows).toEqual([{ n: 2 }]);
    expect(h.retries.map((r) => r.failure)).toEqual(['TIMEOUT after 150 ms']);
  });

  it('gives a long poll its wait on top of timeoutMs', async () => {
    const h = await harness([{ kind: 'hang' }], { timeoutMs: 100, retries: 0 });
    const started = Date.now();
    const error = await h.client
      .custom('anything', 'POST', {}, { waitSeconds: 1 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ lastFailure: 'TIMEOUT after 1100 ms' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
  });

  it('stops at once when the caller aborts a request in flight', async () => {
    const h = await harness([{ kind: 'hang' }], { timeoutMs: 30_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const error = await h.client
      .custom('anything', 'GET', {}, { signal: controller.signal })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataApiAbortedError);
    expect(h.retries).toEqual([]);
  });

  it('stops when the caller aborts during a retry wait', async () => {
    const controller = new AbortController();
    const h = await harness([failure(503), ok([])], {
      sleep: async () => {
        controller.abort();
      },
    });
    const error = await h.client
      .custom('anything', 'GET', {}, { signal: controller.signal })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataApiAbortedError);
    expect(h.server.requests).toHaveLength(1);
  });
});

describe('DataApiClient requests and answers', () => {
  it('sends the key and GET/DELETE variables in the query string', async () => {
    const h = await harness([ok([]), ok([])]);
    await h.client.custom('queue_pop', 'DELETE', { dst: 'acceptor 0', n: 3, yes: true });
    await h.client.custom('queue_depth', 'GET');
    const [pop, depth] = h.server.requests;
    expect(pop).toMatchObject({
      method: 'DELETE',
      url: '/custom/queue_pop?dst=acceptor+0&n=3&yes=true',
      body: '',
    });
    expect(pop?.headers['x-api-key']).toBe(API_KEY);
    expect(depth?.url).toBe('/custom/queue_depth');
  });

  it('sends POST variables as a JSON body', async () => {
    const h = await harness([ok([])]);
    await h.client.custom('queue_claim', 'POST', { dst: 'leader-0', limit: 10 });
    const [claim] = h.server.requests;
    expect(claim?.url).toBe('/custom/queue_claim');
    expect(claim?.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(claim?.body ?? '')).toEqual({ dst: 'leader-0', limit: 10 });
    expect(claim?.headers.prefer).toBeUndefined();
  });

  const longPolls: Array<[string, Record<string, string> | undefined, boolean]> = [
    ['applied', { 'Preference-Applied': 'wait=5' }, true],
    ['ignored (hosted Neurelo)', undefined, false],
    ['applied for something else', { 'Preference-Applied': 'return=minimal' }, false],
  ];
  it.each(longPolls)(
    'asks for a long poll and reports it %s',
    async (_name, headers, longPolled) => {
      const h = await harness([ok([], headers)]);
      const result = await h.client.custom('queue_claim', 'POST', {}, { waitSeconds: 5 });
      expect(h.server.requests[0]?.headers.prefer).toBe('wait=5');
      expect(result.longPolled).toBe(longPolled);
    },
  );

  it.each([0, 21, 1.5])('refuses waitSeconds %p', async (waitSeconds) => {
    const h = await harness([]);
    await expect(h.client.custom('q', 'POST', {}, { waitSeconds })).rejects.toThrow(RangeError);
    expect(h.server.requests).toHaveLength(0);
  });

  const unreadable: Array<[string, ScriptedReply]> = [
    ['not JSON', { kind: 'text', status: 200, body: '<html>hello</html>' }],
    ['no data envelope', { kind: 'json', status: 200, body: { rows: [] } }],
    ['data that is not a list of rows', ok({ count: 1 })],
    ['rows that are not objects', ok([1, 2])],
  ];
  it.each(unreadable)('refuses a 2xx answer with %s, without retrying', async (_name, reply) => {
    const h = await harness([reply, ok([])]);
    await expect(h.client.custom('q', 'GET')).rejects.toThrow(DataApiResponseError);
    expect(h.server.requests).toHaveLength(1);
  });

  it('never puts the API key into an error', async () => {
    const scripts: ScriptedReply[][] = [[failure(401)], [{ kind: 'destroy' }], [{ kind: 'hang' }]];
    for (const script of scripts) {
      const h = await harness(script, { retries: 0, timeoutMs: 100 });
      const error = await h.client.custom('q', 'GET').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(inspect(error, { depth: 10 })).not.toContain(API_KEY);
      expect(JSON.stringify(error)).not.toContain(API_KEY);
    }
  });

  it('refuses a custom query name that would leave /custom/', async () => {
    const h = await harness([]);
    await expect(h.client.custom('../rest/queue_item', 'GET')).rejects.toThrow(RangeError);
  });
});

import {
  type ClaimRequest,
  type ClaimedMessage,
  DataApiAbortedError,
  DataApiUnavailableError,
  MessageWaiter,
  type MessageWaiterOptions,
} from '@paxos/shared';

type ClaimAnswer = { messages: ClaimedMessage[]; longPolled: boolean } | Error;

const message = (id: string): ClaimedMessage => ({ id, payload: '{}', attempts: 1, seq: 1 });
const empty = (longPolled = false): ClaimAnswer => ({ messages: [], longPolled });
const some = (...ids: string[]): ClaimAnswer => ({ messages: ids.map(message), longPolled: false });

/** A waiter over a scripted claim; the script running out aborts, ending the wait. */
function scriptedWaiter(answers: ClaimAnswer[], options: Partial<MessageWaiterOptions> = {}) {
  const controller = new AbortController();
  const claims: ClaimRequest[] = [];
  const sleeps: number[] = [];
  const waiter = new MessageWaiter({
    queue: {
      claim: async (request) => {
        claims.push(request);
        const answer = answers.shift();
        if (answer === undefined) {
          controller.abort();
          throw new DataApiAbortedError('POST', '/custom/queue_claim');
        }
        if (answer instanceof Error) throw answer;
        return answer;
      },
    },
    dst: 'acceptor-0',
    owner: 'acceptor-0#1',
    limit: 32,
    leaseMs: 10_000,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...options,
  });
  return { waiter, claims, sleeps, signal: controller.signal };
}

describe('MessageWaiter without long polls (hosted Neurelo)', () => {
  it('backs off by doubling up to pollIntervalMsMax', async () => {
    const { waiter, sleeps, signal } = scriptedWaiter(Array.from({ length: 9 }, () => empty()));
    await expect(waiter.next(signal)).resolves.toEqual([]);
    expect(sleeps).toEqual([25, 50, 100, 200, 400, 800, 1_000, 1_000, 1_000]);
  });

  it('returns messages at once and resets the interval when they arrive', async () => {
    const { waiter, sleeps, signal } = scriptedWaiter([
      empty(),
      empty(),
      empty(),
      some('a', 'b'),
      empty(),
      some('c'),
    ]);
    await expect(waiter.next(signal)).resolves.toEqual([message('a'), message('b')]);
    expect(sleeps).toEqual([25, 50, 100]);
    expect(waiter.nextPollIntervalMs).toBe(25);
    await expect(waiter.next(signal)).resolves.toEqual([message('c')]);
    expect(sleeps).toEqual([25, 50, 100, 25]);
  });

  it('honours custom bounds', async () => {
    const { waiter, sleeps, signal } = scriptedWaiter(
      Array.from({ length: 4 }, () => empty()),
      { pollIntervalMsMin: 10, pollIntervalMsMax: 35 },
    );
    await waiter.next(signal);
    expect(sleeps).toEqual([10, 20, 35, 35]);
  });

  it.each([[{ pollIntervalMsMin: 0 }], [{ pollIntervalMsMin: 100, pollIntervalMsMax: 50 }]])(
    'refuses bounds %p',
    (bounds) => {
      expect(() => scriptedWaiter([], bounds)).toThrow(RangeError);
    },
  );
});

describe('MessageWaiter with long polls (local server)', () => {
  it('asks for the long poll and claims again without growing the interval', async () => {
    const { waiter, claims, sleeps, signal } = scriptedWaiter(
      [empty(true), empty(true), empty(true), some('x')],
      { waitSeconds: 20 },
    );
    await expect(waiter.next(signal)).resolves.toEqual([message('x')]);
    expect(claims.map((c) => c.waitSeconds)).toEqual([20, 20, 20, 20]);
    expect(claims[0]).toMatchObject({
      dst: 'acceptor-0',
      owner: 'acceptor-0#1',
      limit: 32,
      leaseMs: 10_000,
    });
    // Only the anti-spin pause, never a growing one.
    expect(sleeps).toEqual([25, 25, 25]);
  });
});

describe('MessageWaiter shutdown and failures', () => {
  it('returns nothing, without claiming, once the signal has aborted', async () => {
    const { waiter, claims } = scriptedWaiter([some('a')]);
    const controller = new AbortController();
    controller.abort();
    await expect(waiter.next(controller.signal)).resolves.toEqual([]);
    expect(claims).toHaveLength(0);
  });

  it('returns nothing when the abort cuts a claim short', async () => {
    const { waiter, signal } = scriptedWaiter([]);
    await expect(waiter.next(signal)).resolves.toEqual([]);
  });

  it('returns nothing when the abort comes during a sleep', async () => {
    const controller = new AbortController();
    const { waiter, claims } = scriptedWaiter([empty(), some('late')], {
      sleep: async () => {
        controller.abort();
      },
    });
    await expect(waiter.next(controller.signal)).resolves.toEqual([]);
    expect(claims).toHaveLength(1);
  });

  it('lets data-API failures through', async () => {
    const unavailable = new DataApiUnavailableError('POST', '/custom/queue_claim', 6, 'HTTP 503');
    const { waiter, signal } = scriptedWaiter([empty(), unavailable]);
    await expect(waiter.next(signal)).rejects.toBe(unavailable);
  });
});

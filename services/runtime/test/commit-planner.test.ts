import { LIMITS, QueueApi, utf8Bytes, type QueryValue } from '@paxos/shared';
import {
  CommitPlanError,
  measurePut,
  measureSend,
  planCommits,
  type MeasuredPut,
  type MeasuredSend,
  type PlannedCommit,
} from '../src/commit-planner';

/** The body QueueApi.stepCommit sends for a planned commit, byte for byte. */
async function bodyBytesOf(processId: string, epoch: number, c: PlannedCommit): Promise<number> {
  let body = '';
  const runner = {
    custom: async (_name: string, _method: string, variables: Record<string, QueryValue>) => {
      body = JSON.stringify(variables); // what DataApiClient sends
      return {
        rows: [{ fenced: true, acked: 0, put: 0, truncated: 0, sent: 0 }] as never[],
        longPolled: false,
      };
    },
  };
  await new QueueApi(runner as never).stepCommit({ processId, epoch, ...c });
  return utf8Bytes(body);
}

/** Characters that cost the most once nested (quotes, backslashes, control characters) and others. */
const FILLERS = ['"', '\\', '\u0001', '\n', '\u2028', 'é', '😀', '\ud800', 'a', '"\\\u0000x'];

function worstPut(i: number, chars: number): MeasuredPut {
  const filler = FILLERS[i % FILLERS.length]!;
  return measurePut(`k"${i}\\\u0007`, i % 3 === 0 ? null : i, {
    text: filler.repeat(chars),
    n: i,
    nested: [filler, { [filler]: filler }],
  });
}

function worstSend(i: number, chars: number): MeasuredSend {
  const filler = FILLERS[(i + 3) % FILLERS.length]!;
  const message = { type: 'p2a', from: filler.repeat(chars), slot: i, value: [filler] };
  return measureSend(
    `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    `acceptor-${i}`,
    JSON.stringify(message),
    'p2a',
  );
}

describe('planCommits', () => {
  it('returns nothing when there is nothing to write', () => {
    expect(
      planCommits({
        processId: 'p',
        epoch: 1,
        firstWriteSeq: 1,
        puts: [],
        sends: [],
        acks: [],
        truncateBelow: 0,
      }),
    ).toEqual([]);
  });

  it.each([
    ['one small commit', 3, 3, 2, 10_000_000],
    ['a split over several commits', 12, 9, 40, 6_000],
    ['acks alone', 0, 0, 30, 10_000_000],
  ])(
    '%s: each recorded size is the exact body QueueApi sends',
    async (_name, puts, sends, acks, budget) => {
      const commits = planCommits({
        processId: 'acceptor-"0',
        epoch: 12,
        firstWriteSeq: 7,
        puts: Array.from({ length: puts }, (_, i) => worstPut(i, 200)),
        sends: Array.from({ length: sends }, (_, i) => worstSend(i, 150)),
        acks: Array.from({ length: acks }, (_, i) => `ack-${i}`),
        truncateBelow: 123_456,
        bodyBytesMax: budget,
      });
      expect(commits.length).toBeGreaterThan(0);
      for (const c of commits) {
        expect(await bodyBytesOf('acceptor-"0', 12, c)).toBe(c.bodyBytes);
        expect(c.bodyBytes).toBeLessThanOrEqual(budget);
      }
      expect(commits.map((c) => c.writeSeq)).toEqual(commits.map((_, i) => 7 + i));
    },
  );

  it('keeps the order: puts, then sends, then acks; the truncation in the last commit only', () => {
    const commits = planCommits({
      processId: 'p',
      epoch: 1,
      firstWriteSeq: 1,
      puts: Array.from({ length: 6 }, (_, i) => worstPut(i, 300)),
      sends: Array.from({ length: 6 }, (_, i) => worstSend(i, 300)),
      acks: ['a1', 'a2', 'a3'],
      truncateBelow: 4,
      bodyBytesMax: 4_000,
    });
    expect(commits.length).toBeGreaterThan(3);
    const sequence = commits.flatMap((c) => [
      ...c.puts.map((p) => `put ${p.key}`),
      ...c.sends.map((s) => `send ${s.dst}`),
      ...c.acks.map((a) => `ack ${a}`),
    ]);
    expect(sequence).toEqual([
      ...Array.from({ length: 6 }, (_, i) => `put k"${i}\\\u0007`),
      ...Array.from({ length: 6 }, (_, i) => `send acceptor-${i}`),
      'ack a1',
      'ack a2',
      'ack a3',
    ]);
    expect(commits.map((c) => c.truncateBelow)).toEqual([...commits.slice(1).map(() => 0), 4]);
  });

  it('refuses, naming it, an item that cannot fit a commit even alone', () => {
    const plan = () =>
      planCommits({
        processId: 'p',
        epoch: 1,
        firstWriteSeq: 1,
        puts: [measurePut('snapshot', null, 'x'.repeat(5_000))],
        sends: [],
        acks: [],
        truncateBelow: 0,
        bodyBytesMax: 4_000,
      });
    expect(plan).toThrow(CommitPlanError);
    expect(plan).toThrow(
      /durable write \(snapshot\) needs \d+ bytes of step commit body, over 4000/,
    );
  });

  it('fits the largest message and the largest state write, made of the worst characters, alone in a commit', async () => {
    // JSON text made only of escaped quotes costs four body bytes for each of its bytes.
    const quotes = '"'.repeat((LIMITS.messageJsonBytesMax - 2) / 2);
    const payload = JSON.stringify(quotes);
    expect(utf8Bytes(payload)).toBe(LIMITS.messageJsonBytesMax);
    const [send] = planCommits({
      processId: 'replica-0',
      epoch: Number.MAX_SAFE_INTEGER,
      firstWriteSeq: Number.MAX_SAFE_INTEGER,
      puts: [],
      sends: [
        measureSend('00000000-0000-4000-8000-000000000000', 'x'.repeat(128), payload, 'decision'),
      ],
      acks: [],
      truncateBelow: Number.MAX_SAFE_INTEGER,
    });
    expect(await bodyBytesOf('replica-0', Number.MAX_SAFE_INTEGER, send!)).toBe(send!.bodyBytes);
    const [put] = planCommits({
      processId: 'replica-0',
      epoch: 1,
      firstWriteSeq: 1,
      puts: [
        measurePut('k'.repeat(256), 1, quotes.slice(0, (LIMITS.stateWriteJsonBytesMax - 2) / 2)),
      ],
      sends: [],
      acks: [],
      truncateBelow: 0,
    });
    expect(put!.bodyBytes).toBeLessThanOrEqual(LIMITS.commitBodyBytesMax);
  });
});

describe('measureSend and measurePut', () => {
  // One pass gives the body cost and the UTF-8 bytes the per-message and per-write limits
  // bound: each must be what the serialized text really takes.
  it.each(FILLERS.map((filler) => [JSON.stringify(filler), filler]))(
    'count the UTF-8 bytes of the JSON of %s as the limits do',
    (_name, filler) => {
      const value = { text: filler.repeat(100), list: [filler, 1] };
      const put = measurePut('k', null, value);
      expect(put.valueJsonBytes).toBe(Buffer.byteLength(JSON.stringify(value), 'utf8'));
      const payload = JSON.stringify({ type: 'p2a', value });
      const send = measureSend('id', 'acceptor-0', payload, 'p2a');
      expect(send.payloadJsonBytes).toBe(Buffer.byteLength(payload, 'utf8'));
    },
  );
});

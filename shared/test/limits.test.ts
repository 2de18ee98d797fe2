import {
  LIMITS,
  MessageSchema,
  QueueApi,
  ValueSchema,
  bodyBytesOfJsonText,
  bodyBytesOfRawJson,
  jsonBytes,
  jsonStringBytes,
  utf8Bytes,
  type QueryValue,
  type StepCommitRequest,
} from '@paxos/shared';

/**
 * The largest thing that can ever be written must fit the data API's body limit: a message or a
 * state write at its limit, made of the characters that cost the most once nested (quotes and
 * backslashes double at each JSON level; a control character costs six bytes, one of them a
 * backslash), serialized exactly as QueueApi serializes a step commit.
 */

/** The request body QueueApi.stepCommit sends, as DataApiClient serializes it. */
async function stepCommitBody(request: Omit<StepCommitRequest, 'signal'>): Promise<string> {
  let body = '';
  const runner = {
    custom: async (_name: string, _method: string, variables: Record<string, QueryValue>) => {
      body = JSON.stringify(variables);
      return {
        rows: [{ fenced: true, acked: 0, put: 0, truncated: 0, sent: 0 }] as never[],
        longPolled: false,
      };
    },
  };
  await new QueueApi(runner as never, {
    newId: () => '00000000-0000-4000-8000-000000000000',
  }).stepCommit(request);
  return body;
}

/** The largest fields a commit carries besides the item under test. */
const WORST_COMMIT = {
  processId: 'p'.repeat(128),
  epoch: Number.MAX_SAFE_INTEGER,
  writeSeq: Number.MAX_SAFE_INTEGER,
  truncateBelow: Number.MAX_SAFE_INTEGER,
  acks: [] as string[],
};

const FILLERS: Array<[string, string]> = [
  ['quotes', '"'],
  ['backslashes', '\\'],
  ['control characters', '\u0001'],
  ['newlines', '\n'],
  ['a mix', '"\\\u001f\u2028é😀'],
];

/** The longest repetition of `filler` whose JSON is at most `jsonBytesMax` bytes. */
function longestString(filler: string, jsonBytesMax: number): string {
  const perRepeat = jsonStringBytes(filler) - 2;
  let s = filler.repeat(Math.floor((jsonBytesMax - 2) / perRepeat));
  while (jsonStringBytes(s) > jsonBytesMax) s = s.slice(0, -filler.length);
  return s;
}

/** The longest value ValueSchema accepts that is made of `filler`. */
const largestValue = (filler: string): string => longestString(filler, LIMITS.valueJsonBytesMax);

/** A decision carrying as many worst-case commands as fit LIMITS.messageJsonBytesMax. */
function largestDecision(filler: string): { message: unknown; payload: string } {
  const value = largestValue(filler);
  const commands: unknown[] = [];
  const decision = {
    type: 'decision',
    from: 'leader-'.padEnd(128, '9'),
    slot: Number.MAX_SAFE_INTEGER,
    value: { batchId: 'b'.repeat(256), commands },
  };
  for (let requestId = 1; ; requestId++) {
    const command = {
      sessionId: Number.MAX_SAFE_INTEGER,
      requestId,
      op: {
        kind: 'cas',
        key: filler.repeat(LIMITS.keyCharsMax / filler.length).slice(0, LIMITS.keyCharsMax),
        expected: null,
        value,
      },
    };
    commands.push(command);
    if (jsonBytes(decision) > LIMITS.messageJsonBytesMax) {
      commands.pop();
      break;
    }
  }
  return { message: decision, payload: JSON.stringify(decision) };
}

describe('byte accounting helpers', () => {
  it.each(FILLERS)(
    'jsonStringBytes and jsonBytes count %s as JSON.stringify does',
    (_name, filler) => {
      const s = `${filler.repeat(50)}x\ud800y`;
      expect(jsonStringBytes(s)).toBe(Buffer.byteLength(JSON.stringify(s)));
      expect(jsonBytes({ s })).toBe(Buffer.byteLength(JSON.stringify({ s })));
    },
  );

  it.each(FILLERS)(
    'bodyBytesOfJsonText and bodyBytesOfRawJson are exact for %s',
    (_name, filler) => {
      const text = JSON.stringify({ v: filler.repeat(40) });
      // As a message: the payload string inside the `sends` JSON text inside the body.
      expect(bodyBytesOfJsonText(text)).toBe(
        Buffer.byteLength(JSON.stringify(JSON.stringify(text))) - 2,
      );
      // As a durable value: the JSON inside the `puts` JSON text inside the body.
      expect(bodyBytesOfRawJson(text)).toBe(Buffer.byteLength(JSON.stringify(text)) - 2);
    },
  );
});

describe('the largest possible writes fit the data API body limit', () => {
  it('LIMITS are consistent: a commit fits the body limit; a command fits a batch and a message', () => {
    expect(LIMITS.commitBodyBytesMax).toBeLessThanOrEqual(LIMITS.dataApiBodyBytesMax);
    expect(LIMITS.commandJsonBytesMax).toBeLessThanOrEqual(LIMITS.batchJsonBytesMax);
    expect(LIMITS.batchJsonBytesMax).toBeLessThan(LIMITS.messageJsonBytesMax);
    expect(LIMITS.snapshotPartJsonBytesMax).toBeLessThanOrEqual(LIMITS.stateWriteJsonBytesMax);
    // 4 N + 4 bytes for a message, 2 N for a write, plus their frames.
    expect(4 * LIMITS.messageJsonBytesMax + 4 + 1_024).toBeLessThanOrEqual(
      LIMITS.commitBodyBytesMax,
    );
    expect(2 * LIMITS.stateWriteJsonBytesMax + 1_024).toBeLessThanOrEqual(
      LIMITS.commitBodyBytesMax,
    );
  });

  it.each(FILLERS)(
    'a message of LIMITS.messageJsonBytesMax JSON bytes of %s, alone in a step commit',
    async (_name, filler) => {
      // The costliest JSON text of that size: one string of the filler.
      const s = longestString(filler, LIMITS.messageJsonBytesMax);
      const payload = JSON.stringify(s);
      expect(utf8Bytes(payload)).toBeGreaterThan(LIMITS.messageJsonBytesMax - 32);
      const body = await stepCommitBody({
        ...WORST_COMMIT,
        puts: [],
        sends: [{ dst: 'x'.repeat(128), payload }],
      });
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(LIMITS.commitBodyBytesMax);
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(LIMITS.dataApiBodyBytesMax);
    },
  );

  it.each(FILLERS)(
    'a decision full of the largest cas commands of %s: a valid message that fits',
    async (_name, filler) => {
      const { message, payload } = largestDecision(filler);
      expect(ValueSchema.safeParse(largestValue(filler)).success).toBe(true);
      expect(utf8Bytes(payload)).toBeLessThanOrEqual(LIMITS.messageJsonBytesMax);
      const parsed = MessageSchema.safeParse(message);
      expect(parsed.success).toBe(true);
      const body = await stepCommitBody({
        ...WORST_COMMIT,
        puts: [],
        sends: [{ dst: 'replica-0', payload }],
      });
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(LIMITS.commitBodyBytesMax);
    },
  );

  it.each(FILLERS)(
    'a state write of LIMITS.stateWriteJsonBytesMax JSON bytes of %s, alone in a step commit',
    async (_name, filler) => {
      const s = longestString(filler, LIMITS.stateWriteJsonBytesMax);
      expect(jsonBytes(s)).toBeGreaterThan(LIMITS.stateWriteJsonBytesMax - 32);
      const body = await stepCommitBody({
        ...WORST_COMMIT,
        puts: [{ key: filler.repeat(256).slice(0, 256), slot: Number.MAX_SAFE_INTEGER, value: s }],
        sends: [],
      });
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(LIMITS.commitBodyBytesMax);
    },
  );
});

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type HistoryOperation,
  InvalidHistoryError,
  checkLinearizable,
  readHistoryFile,
  writeHistoryFile,
} from '../../src/linearizability';
import { done, get, ok, pending, put } from './builders';

const good = done('c1', [0, 10], put('x', 'a'), ok(null));

/** Malformed input, as it might arrive from a JSON file, and what the error must say. */
const badInputs: Array<[string, unknown, string]> = [
  ['not an array', { ops: [] }, 'the history'],
  [
    'return earlier than call',
    [good, { ...good, call: 20, return: 5 }],
    'operation #1 return: return 5 is earlier than call 20',
  ],
  [
    'a missing clientId',
    [{ input: get('x'), call: 0, output: ok(null), return: 1 }],
    'operation #0 clientId',
  ],
  [
    'a missing output',
    [{ clientId: 'c1', input: get('x'), call: 0, return: 1 }],
    'operation #0 output',
  ],
  [
    'a missing call',
    [{ clientId: 'c1', input: get('x'), output: ok(null), return: 1 }],
    'operation #0 call',
  ],
  [
    'a reply without a return time',
    [{ ...good, return: null }],
    'both be null (no reply) or both be set',
  ],
  [
    'a return time without a reply',
    [{ ...good, output: null }],
    'both be null (no reply) or both be set',
  ],
  ['an unknown op kind', [{ ...good, input: { kind: 'append', key: 'x' } }], 'operation #0 input'],
  ['an op without a key', [{ ...good, input: { kind: 'get' } }], 'operation #0 input.key'],
  ['a time that is not a number', [{ ...good, call: '0' }], 'operation #0 call'],
];

describe('history validation', () => {
  it.each(badInputs)('rejects %s', (_name, input, message) => {
    const check = (): unknown => checkLinearizable(input as HistoryOperation[]);
    expect(check).toThrow(InvalidHistoryError);
    expect(check).toThrow(message);
  });

  it('accepts zero-length operations (return equal to call)', () => {
    expect(checkLinearizable([done('c1', [5, 5], get('x'), ok(null))]).linearizable).toBe(true);
  });
});

describe('history files', () => {
  let directory = '';
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'history-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('round-trips a history, one operation per line', async () => {
    const history = [good, pending('c2', 3, get('x')), done('c3', [12, 14], get('x'), ok('a'))];
    const path = join(directory, 'round-trip.json');
    await writeHistoryFile(path, history);
    expect(await readHistoryFile(path)).toEqual(history);
    expect((await readFile(path, 'utf8')).split('\n')).toHaveLength(history.length + 3);
  });

  it('round-trips an empty history', async () => {
    const path = join(directory, 'empty.json');
    await writeHistoryFile(path, []);
    expect(await readHistoryFile(path)).toEqual([]);
  });

  it('rejects a file that is not JSON, naming the file', async () => {
    const path = join(directory, 'broken.json');
    await writeFile(path, '[{"clientId":', 'utf8');
    await expect(readHistoryFile(path)).rejects.toThrow(InvalidHistoryError);
    await expect(readHistoryFile(path)).rejects.toThrow(`${path} is not valid JSON`);
  });

  it('rejects a file with a bad operation, naming the file and the operation', async () => {
    const path = join(directory, 'bad-op.json');
    await writeFile(path, JSON.stringify([good, { ...good, return: -1 }]), 'utf8');
    await expect(readHistoryFile(path)).rejects.toThrow(`invalid ${path}: operation #1 return`);
  });

  it('refuses to write an invalid history', async () => {
    const bad = [{ ...good, return: -1 }];
    await expect(writeHistoryFile(join(directory, 'never.json'), bad)).rejects.toThrow(
      InvalidHistoryError,
    );
  });
});

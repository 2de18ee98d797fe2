/** Where paxos-kv finds its endpoints and key: flags, then the environment, then the fleet file. */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError, resolveTarget } from '../src/cli-config';
import { EXIT, exitCodeOf } from '../src/cli-exit';
import { ForbiddenError, OutcomeUnknownError, TimeoutError, UnavailableError } from '../src';

const dir = mkdtempSync(path.join(os.tmpdir(), 'paxos-kv-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fleetFile(content: unknown): void {
  mkdirSync(path.join(dir, '.fleet', 'run'), { recursive: true });
  writeFileSync(path.join(dir, '.fleet', 'run', 'fleet.json'), JSON.stringify(content));
}

describe('resolveTarget', () => {
  it('takes the flags first, then PAXOS_ENDPOINTS and PAXOS_KEY', () => {
    const env = { PAXOS_ENDPOINTS: 'http://e:1, http://e:2', PAXOS_KEY: 'pxk_env' };
    expect(resolveTarget({ endpoints: 'http://f:1', key: 'pxk_flag' }, env, dir)).toMatchObject({
      endpoints: ['http://f:1'],
      apiKey: 'pxk_flag',
    });
    expect(resolveTarget({}, env, dir)).toMatchObject({
      endpoints: ['http://e:1', 'http://e:2'],
      apiKey: 'pxk_env',
    });
  });

  it('falls back to the fleet file: its replicas (running first) and its clientKey', () => {
    fleetFile({
      services: [
        { kind: 'neurelo', port: 7070, pid: 1 },
        { kind: 'replica', port: 7121, pid: null },
        { kind: 'replica', port: 7122, pid: 42 },
      ],
      clientKey: 'pxk_file',
    });
    expect(resolveTarget({}, {}, dir)).toMatchObject({
      endpoints: ['http://127.0.0.1:7122', 'http://127.0.0.1:7121'],
      apiKey: 'pxk_file',
    });
    expect(resolveTarget({}, { PAXOS_KEY: 'pxk_env' }, dir).apiKey).toBe('pxk_env');
  });

  it('says how to get endpoints when there is neither a flag, a variable nor a fleet', () => {
    expect(() => resolveTarget({}, { FLEET_DIR: 'elsewhere' }, dir)).toThrow(UsageError);
    expect(() => resolveTarget({}, { FLEET_DIR: 'elsewhere' }, dir)).toThrow(/npm run fleet -- up/);
  });
});

describe('exit codes', () => {
  it('maps each error to the code a script relies on', () => {
    expect(exitCodeOf(new UsageError('x'))).toBe(EXIT.usage);
    expect(exitCodeOf(new ForbiddenError('x', 'forbidden', 403))).toBe(EXIT.refused);
    expect(exitCodeOf(new OutcomeUnknownError('x', 'session-unknown', 410))).toBe(
      EXIT.outcomeUnknown,
    );
    expect(exitCodeOf(new TimeoutError('x', 'timeout', 0, true))).toBe(EXIT.outcomeUnknown);
    expect(exitCodeOf(new TimeoutError('x', 'timeout', 0, false))).toBe(EXIT.unavailable);
    expect(exitCodeOf(new UnavailableError('x', 'unavailable', 0))).toBe(EXIT.unavailable);
  });
});

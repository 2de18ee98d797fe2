import { spawnSync } from 'node:child_process';
import path from 'node:path';

describe('a role service on durable state of a later protocol version (an in-place downgrade)', () => {
  it('exits with code 4 and an error naming both versions', () => {
    const script = path.join(__dirname, 'support', 'newer-state-main.ts');
    const tsx = path.join(__dirname, '..', '..', '..', 'node_modules', '.bin', 'tsx');
    const r = spawnSync(tsx, [script], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toMatch(
      /acceptor-0 will not start: durable state written by protocol version 3, newer than this process's version 2/,
    );
    expect(r.status).toBe(4);
  });
});

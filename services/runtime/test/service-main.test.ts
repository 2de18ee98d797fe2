import { spawnSync } from 'node:child_process';
import path from 'node:path';

describe('a role service with a corrupt durable state row', () => {
  it('exits with code 3 and an error naming the row and the field', () => {
    const script = path.join(__dirname, 'support', 'corrupt-state-main.ts');
    const tsx = path.join(__dirname, '..', '..', '..', 'node_modules', '.bin', 'tsx');
    const r = spawnSync(tsx, [script], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/durable state row "ballot" is unreadable: round: /);
  });
});

import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readControlFile, writeControlFile } from '../src/control/control-file';
import { FleetControlError, LocalFleetControl } from '../src/control/local-fleet-control';
import { isAlive, spawnSleeper, writeSleeper } from './support/sleeper';

describe('LocalFleetControl (on the fleet runner state file)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dashboard-control-'));
  const file = path.join(dir, 'fleet.json');
  let sleeper: string;
  const started: number[] = [];

  beforeAll(() => {
    sleeper = writeSleeper(dir);
  });
  afterAll(() => {
    for (const pid of started) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  function writeFleet(pid: number | null): void {
    writeControlFile(file, {
      logDir: path.join(dir, 'logs'),
      startedBy: 'the fleet runner',
      services: [
        {
          name: 'leader-0',
          kind: 'leader',
          port: 1,
          entry: sleeper,
          env: { A: '1' },
          pid,
          note: 'kept',
        },
        { name: 'dashboard', kind: 'dashboard', port: 2, entry: sleeper, env: {}, pid: null },
      ],
    });
  }

  it('offers every service but the dashboard itself', async () => {
    writeFleet(null);
    expect([...(await new LocalFleetControl(file).controllable())]).toEqual(['leader-0']);
    expect([
      ...(await new LocalFleetControl(path.join(dir, 'missing.json')).controllable()),
    ]).toEqual([]);
  });

  it('kills with SIGKILL, then restarts, recording each pid so the runner can stop it later', async () => {
    const { child: victim, exited } = spawnSleeper(sleeper);
    started.push(victim.pid!);
    writeFleet(victim.pid!);
    const control = new LocalFleetControl(file);

    await expect(control.kill('leader-0')).resolves.toEqual({
      name: 'leader-0',
      killedPid: victim.pid,
    });
    await expect(exited).resolves.toBe('SIGKILL');
    expect(readControlFile(file).services[0]?.pid).toBeNull();
    await expect(control.kill('leader-0')).resolves.toEqual({ name: 'leader-0', killedPid: null });

    const restarted = await control.restart('leader-0');
    expect(restarted.pid).toEqual(expect.any(Number));
    started.push(restarted.pid!);
    expect(isAlive(restarted.pid!)).toBe(true);
    const after = readControlFile(file);
    expect(after.services[0]?.pid).toBe(restarted.pid);
    // Fields the dashboard does not know survive its rewrite; the file stays private.
    expect(after.startedBy).toBe('the fleet runner');
    expect(after.services[0]?.note).toBe('kept');
    expect(statSync(file).mode & 0o777).toBe(0o600);

    await control.kill('leader-0');
    expect(isAlive(restarted.pid!)).toBe(false);
  });

  it('refuses the dashboard itself and names that are not in the fleet', async () => {
    writeFleet(null);
    const control = new LocalFleetControl(file);
    await expect(control.kill('dashboard')).rejects.toMatchObject({ status: 403 });
    await expect(control.restart('leader-9')).rejects.toEqual(
      new FleetControlError(404, 'no service named leader-9 in this fleet'),
    );
  });

  it("reports a state file that is not the runner's, naming the bad field", () => {
    writeFileSync(file, JSON.stringify({ logDir: '/x', services: [{ name: 'a' }] }));
    expect(() => readControlFile(file)).toThrow(/services\.0\.kind/);
    expect(readFileSync(file, 'utf8')).toContain('"a"');
  });
});

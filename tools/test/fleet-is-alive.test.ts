import { spawn } from 'node:child_process';
import { isAlive } from '../src/fleet/service-process';

/**
 * `npm run fleet -- down` waits for its services to be gone. A detached service that exited
 * but whose adopter has not reaped it yet is a zombie: signal 0 still reaches it, and `down`
 * used to wait its whole grace period for it.
 */
describe('isAlive', () => {
  it('is true for a running process and false for a zombie', async () => {
    // sh starts a short sleep in the background and becomes a long `sleep`, which never reaps
    // it: the short one exits after the exec and stays a zombie while the long one runs. (A
    // child that exits before the exec may be reaped by sh itself, and is then simply gone.)
    const parent = spawn('sh', ['-c', 'sleep 0.3 & echo $!; exec sleep 30'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    try {
      const zombie = await new Promise<number>((resolve) =>
        parent.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))),
      );
      expect(isAlive(parent.pid!)).toBe(true);
      const deadline = Date.now() + 5_000;
      while (isAlive(zombie) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(isAlive(zombie)).toBe(false);
      // Still in the process table, though: only its state says it is gone.
      expect(() => process.kill(zombie, 0)).not.toThrow();
    } finally {
      parent.kill('SIGKILL');
    }
  });
});

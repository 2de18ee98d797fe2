import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

export { isAlive } from '@paxos/tools/src/fleet/service-process';

/** A script that only sleeps: a process the control tests may kill. Returns its path. */
export function writeSleeper(dir: string): string {
  const file = path.join(dir, 'sleeper.js');
  writeFileSync(file, 'setInterval(() => undefined, 1000);\n');
  return file;
}

/** A sleeper process, and the signal it exits by once it does. */
export function spawnSleeper(file: string): {
  child: ChildProcess;
  exited: Promise<NodeJS.Signals | null>;
} {
  const child = spawn(process.execPath, [file], { stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((r) =>
    child.once('exit', (_code, signal) => r(signal)),
  );
  return { child, exited };
}

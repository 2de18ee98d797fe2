// Preloaded by `npm run bench -- --cpu-prof` (NODE_OPTIONS=--import ...), because Node refuses
// --cpu-prof itself in NODE_OPTIONS and the fleet runner owns the services' command lines.
// Profiles the main thread with the inspector over the benchmark's measured window only: the
// first SIGUSR2 starts the profiler, the second stops it and writes the profile to
// BENCH_CPU_PROFILE_DIR under the name node --cpu-prof would give it (at exit if no second
// signal came). The session is on this thread, so post() completes synchronously, which the
// 'exit' handler needs.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';

const dir = process.env.BENCH_CPU_PROFILE_DIR;
if (isMainThread && dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  let running = false;
  const stopAndWrite = () => {
    if (!running) return;
    running = false;
    session.post('Profiler.stop', (err, result) => {
      if (err || !result) return;
      const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '.').slice(0, 15);
      const file = path.join(dir, `CPU.${stamp}.${process.pid}.0.001.cpuprofile`);
      writeFileSync(file, JSON.stringify(result.profile));
    });
  };
  process.on('SIGUSR2', () => {
    if (running) {
      stopAndWrite();
      return;
    }
    running = true;
    session.post('Profiler.start');
  });
  process.on('exit', stopAndWrite);
}

import path from 'node:path';

/**
 * Environment for the preloads in probes/ (plain JavaScript, loaded with NODE_OPTIONS=--import
 * before tsx): a request counter for the data API, a CPU profiler for any service.
 */
const PROBES_DIR = path.join(__dirname, 'probes');

export interface ProbeOptions {
  /** Count HTTP requests and answer the count on this port. */
  requestCounterPort?: number;
  /** Write a .cpuprofile of the main thread here at exit. */
  cpuProfileDir?: string;
}

export function probeEnv(o: ProbeOptions): Record<string, string> {
  const imports: string[] = [];
  const env: Record<string, string> = {};
  if (o.requestCounterPort !== undefined) {
    imports.push(path.join(PROBES_DIR, 'count-http-requests.mjs'));
    env.BENCH_REQUEST_COUNTER_PORT = String(o.requestCounterPort);
  }
  if (o.cpuProfileDir !== undefined) {
    imports.push(path.join(PROBES_DIR, 'cpu-profile.mjs'));
    env.BENCH_CPU_PROFILE_DIR = o.cpuProfileDir;
  }
  if (imports.length > 0) env.NODE_OPTIONS = imports.map((f) => `--import ${f}`).join(' ');
  return env;
}

/**
 * The image's HEALTHCHECK: GET http://127.0.0.1:$PORT<path> (default /healthz) must answer 200
 * within HEALTHCHECK_TIMEOUT_MS. `healthcheck.js /readyz` checks readiness instead.
 */
import http from 'node:http';

const port = Number(process.env.PORT ?? 8080);
const probePath = process.argv[2] ?? '/healthz';
const timeoutMs = Number(process.env.HEALTHCHECK_TIMEOUT_MS ?? 2_000);

const req = http.get({ host: '127.0.0.1', port, path: probePath, timeout: timeoutMs }, (res) => {
  res.resume();
  if (res.statusCode === 200) process.exit(0);
  console.error(`healthcheck: ${probePath} answered ${res.statusCode}`);
  process.exit(1);
});
req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
req.on('error', (err) => {
  console.error(`healthcheck: ${probePath} on port ${port}: ${err.message}`);
  process.exit(1);
});

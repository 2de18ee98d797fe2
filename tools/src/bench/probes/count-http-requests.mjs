// Preloaded into the local Neurelo server by `npm run bench` (NODE_OPTIONS=--import ...):
// counts every HTTP request the process serves, without touching the server's code, and
// answers the count on BENCH_REQUEST_COUNTER_PORT as {"requests": N}.
// Plain JavaScript: it loads before tsx, and also in tsx's loader thread (where it does nothing).
import diagnosticsChannel from 'node:diagnostics_channel';
import http from 'node:http';
import { isMainThread } from 'node:worker_threads';

const port = Number(process.env.BENCH_REQUEST_COUNTER_PORT);
if (isMainThread && Number.isInteger(port) && port > 0) {
  let requests = 0;
  const counter = http.createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ requests }));
  });
  diagnosticsChannel.subscribe('http.server.request.start', (message) => {
    if (message.server !== counter) requests += 1;
  });
  counter.listen(port, '127.0.0.1');
  // The counter must never keep the server alive after it has stopped.
  counter.unref();
}

/**
 * Browser safety of the dashboard's state-changing routes, on a listening server in local
 * fleet mode with a real process behind the kill button: what a page on another site can
 * make a browser send (a form POST, a text/plain fetch) must kill nothing; the dashboard's
 * own page, which carries the token, must still work.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { readControlFile, writeControlFile } from '../src/control/control-file';
import { LocalFleetControl } from '../src/control/local-fleet-control';
import { CommandRelay } from '../src/http/command-relay';
import { createDashboardApp } from '../src/http/dashboard-app';
import { EventStream } from '../src/http/event-stream';
import { refusalOf } from '../src/http/state-change-guard';
import { DashboardMetrics } from '../src/metrics/dashboard-metrics';
import { isAlive, spawnSleeper, writeSleeper } from './support/sleeper';

const PUBLIC_DIR = path.resolve(__dirname, '..', 'public');
// This helper's port range (8200-8299): the Host header is then the real one.
const PORT = 8211;
const SELF = `http://127.0.0.1:${PORT}`;
const TOKEN = 'kX3v9-this-token-guards-the-buttons';
const ALLOWED = 'https://ops.example.org';

describe('the dashboard refuses state changes a foreign page could send', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dashboard-guard-'));
  const file = path.join(dir, 'fleet.json');
  let sleeper: string;
  let victim: ChildProcess;
  let exited: Promise<NodeJS.Signals | null>;
  let server: Server;
  const stream = new EventStream();

  beforeAll(async () => {
    sleeper = writeSleeper(dir);
    ({ child: victim, exited } = spawnSleeper(sleeper));
    writeControlFile(file, {
      logDir: path.join(dir, 'logs'),
      services: [
        {
          name: 'acceptor-0',
          kind: 'acceptor',
          port: 1,
          entry: sleeper,
          env: {},
          pid: victim.pid!,
        },
      ],
    });
    const app = createDashboardApp({
      latestView: () => null,
      stream,
      metrics: new DashboardMetrics(),
      relay: new CommandRelay(
        () => [],
        () => null,
      ),
      control: new LocalFleetControl(file),
      publicDir: PUBLIC_DIR,
      token: TOKEN,
      allowedOrigins: new Set([ALLOWED]),
    });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(PORT, '127.0.0.1', () => resolve(s));
    });
  });

  afterAll(async () => {
    if (victim.pid !== undefined && isAlive(victim.pid)) process.kill(victim.pid, 'SIGKILL');
    stream.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const stillRunning = () => {
    expect(isAlive(victim.pid!)).toBe(true);
    expect(readControlFile(file).services[0]?.pid).toBe(victim.pid);
  };

  it('a cross-origin form POST to the kill endpoint is refused and kills nothing', async () => {
    const res = await request(SELF)
      .post('/api/services/acceptor-0/kill')
      .set('Origin', 'http://evil.example')
      .type('form')
      .send('confirm=yes')
      .expect(403);
    expect(res.body).toMatchObject({ code: 'origin-refused' });
    stillRunning();
  });

  it('a cross-origin JSON POST carrying the token is refused too (the origin decides first)', async () => {
    await request(SELF)
      .post('/api/services/acceptor-0/kill')
      .set('Origin', 'http://evil.example')
      .set('x-dashboard-token', TOKEN)
      .send({})
      .expect(403);
    await request(SELF)
      .post('/api/commands')
      .set('Origin', 'null')
      .set('x-dashboard-token', TOKEN)
      .send({ op: { kind: 'put', key: 'k', value: 'v' } })
      .expect(403);
    stillRunning();
  });

  it('a form or text/plain body is refused even from the same origin', async () => {
    for (const type of ['form', 'text/plain', 'multipart/form-data; boundary=x']) {
      const res = await request(SELF)
        .post('/api/services/acceptor-0/kill')
        .set('Origin', SELF)
        .set('x-dashboard-token', TOKEN)
        .type(type)
        .send('x=1')
        .expect(415);
      expect(res.body).toMatchObject({ code: 'unsupported-media-type' });
    }
    stillRunning();
  });

  it('a same-origin JSON POST without the token, or with a wrong one, is 401', async () => {
    for (const token of [undefined, 'guess', `${TOKEN}x`]) {
      const req = request(SELF).post('/api/services/acceptor-0/kill').set('Origin', SELF);
      if (token !== undefined) req.set('x-dashboard-token', token);
      const res = await req.send({}).expect(401);
      expect(res.body).toMatchObject({ code: 'unauthorized' });
    }
    await request(SELF)
      .post('/api/commands')
      .send({ op: { kind: 'get', key: 'k' } })
      .expect(401);
    stillRunning();
  });

  it('the page carries the token, uncached and unframeable; the raw file is never served', async () => {
    for (const url of ['/', '/index.html']) {
      const page = await request(SELF).get(url).expect(200);
      expect(page.text).toContain(`<meta name="dashboard-token" content="${TOKEN}" />`);
      expect(page.headers['cache-control']).toBe('no-store');
      expect(page.headers['x-frame-options']).toBe('DENY');
      // No CORS header: another origin's script cannot read the answer, so not the token.
      expect(page.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('the same-origin JSON POST with the token kills (SIGKILL)', async () => {
    await request(SELF)
      .post('/api/services/acceptor-0/kill')
      .set('Origin', SELF)
      .set('x-dashboard-token', TOKEN)
      .send({})
      .expect(200, { name: 'acceptor-0', killedPid: victim.pid });
    await expect(exited).resolves.toBe('SIGKILL');
    expect(readControlFile(file).services[0]?.pid).toBeNull();
  });
});

describe('refusalOf', () => {
  const o = { token: TOKEN, allowedOrigins: new Set([ALLOWED]) };
  const json = { contentType: 'application/json; charset=utf-8', hasBody: true, token: TOKEN };
  it.each([
    ['no Origin (curl, a script) with the token', { ...json }, null],
    ['its own origin', { ...json, origin: SELF, host: `127.0.0.1:${PORT}` }, null],
    ['an allowed origin', { ...json, origin: ALLOWED, host: 'dashboard:8080' }, null],
    [
      'the same host on another port',
      { ...json, origin: 'http://127.0.0.1:1', host: `127.0.0.1:${PORT}` },
      'origin-refused',
    ],
    [
      'an allowed host with the wrong scheme',
      { ...json, origin: 'http://ops.example.org', host: 'x' },
      'origin-refused',
    ],
    ['an origin that is no URL', { ...json, origin: 'evil', host: 'x' }, 'origin-refused'],
    ['a body without a content type', { hasBody: true, token: TOKEN }, 'unsupported-media-type'],
    ['no body and no content type (nothing to misread)', { hasBody: false, token: TOKEN }, null],
    ['application/jsonp', { ...json, contentType: 'application/jsonp' }, 'unsupported-media-type'],
    ['an empty token', { ...json, token: '' }, 'unauthorized'],
  ])('%s', (_what, headers, code) => {
    expect(refusalOf(headers, o)?.code ?? null).toBe(code);
  });
});

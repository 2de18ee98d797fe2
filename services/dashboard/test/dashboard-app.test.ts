import net from 'node:net';
import path from 'node:path';
import request from 'supertest';
import type { FleetTarget } from '../src/config/fleet-targets';
import { FleetControlError, type FleetControl } from '../src/control/local-fleet-control';
import { CommandRelay } from '../src/http/command-relay';
import { createDashboardApp } from '../src/http/dashboard-app';
import { EventStream } from '../src/http/event-stream';
import { DashboardMetrics } from '../src/metrics/dashboard-metrics';
import { parsePrometheusText, sampleValue } from '../src/metrics/prometheus-text';
import { EMPTY_DECISION_SERIES } from '../src/view/decision-series';
import { buildFleetView, type FleetView } from '../src/view/fleet-view';

const PUBLIC_DIR = path.resolve(__dirname, '..', 'public');
const TOKEN = 'a-token-for-the-app-tests';
// A port nobody listens on (taken from a server that is then closed): every relayed command
// fails to connect.
const deadReplica: FleetTarget = { name: 'replica-0', role: 'replica', url: 'http://127.0.0.1:0' };
beforeAll(async () => {
  const probe = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => probe.once('listening', r));
  deadReplica.url = `http://127.0.0.1:${(probe.address() as net.AddressInfo).port}`;
  await new Promise((r) => probe.close(r));
});

const view: FleetView = buildFleetView({
  atMs: 1,
  scrapes: [
    {
      target: deadReplica,
      state: {
        role: 'replica',
        processId: 'replica-0',
        host: { ready: true },
        state: { slotOut: 3 },
      },
      metrics: null,
      config: null,
      error: null,
    },
  ],
  queue: { ok: true, depths: [{ dst: 'replica-0', depth: 5, leased: 1 }] },
  decisions: EMPTY_DECISION_SERIES,
  controllable: new Set(['replica-0']),
});

function app(latest: FleetView | null, control: FleetControl | null = null) {
  const metrics = new DashboardMetrics();
  if (latest) metrics.record(latest);
  const stream = new EventStream();
  return {
    stream,
    app: createDashboardApp({
      latestView: () => latest,
      stream,
      metrics,
      relay: new CommandRelay(
        () => [deadReplica],
        () => latest,
        1_000,
      ),
      control,
      publicDir: PUBLIC_DIR,
      token: TOKEN,
      allowedOrigins: new Set(),
    }),
  };
}

describe('dashboard HTTP app', () => {
  it('serves the page and its assets from itself, nothing from the internet', async () => {
    const { app: a, stream } = app(view);
    const page = await request(a).get('/').expect(200);
    expect(page.text).toContain('id="decisions-chart"');
    const urls = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(urls.filter((u) => /^(https?:)?\/\//.test(u!))).toEqual([]);
    for (const script of ['/decisions-chart.js', '/dashboard.js']) {
      await request(a)
        .get(script)
        .expect(200)
        .expect('Content-Type', /javascript/);
    }
    await request(a).get('/dashboard.css').expect(200).expect('Content-Type', /css/);
    stream.close();
  });

  it('is ready only once it has a first view', async () => {
    const empty = app(null);
    await request(empty.app).get('/readyz').expect(503);
    await request(empty.app).get('/api/view').expect(503);
    await request(empty.app).get('/healthz').expect(200);
    const full = app(view);
    await request(full.app).get('/readyz').expect(200, { ready: true, role: 'dashboard' });
    const body = (await request(full.app).get('/api/view').expect(200)).body as FleetView;
    expect(body.services[0]?.slotOut).toBe(3);
    empty.stream.close();
    full.stream.close();
  });

  it('exposes queue depth per destination as Prometheus text', async () => {
    const { app: a, stream } = app(view);
    const res = await request(a)
      .get('/metrics')
      .expect(200)
      .expect('Content-Type', /text\/plain/);
    const families = parsePrometheusText(res.text);
    expect(sampleValue(families, 'paxos_queue_depth', { dst: 'replica-0' })).toBe(5);
    expect(sampleValue(families, 'paxos_queue_leased', { dst: 'replica-0' })).toBe(1);
    expect(sampleValue(families, 'paxos_fleet_service_up', { service: 'replica-0' })).toBe(1);
    stream.close();
  });

  it('streams the latest view as a server-sent event as soon as a page connects', async () => {
    const { app: a, stream } = app(view);
    const server = a.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const { port } = server.address() as { port: number };
    const controller = new AbortController();
    const res = await fetch(`http://127.0.0.1:${port}/api/events`, { signal: controller.signal });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('\n\nevent: view'))
      text += new TextDecoder().decode((await reader.read()).value);
    while (!text.endsWith('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
    const data = /event: view\ndata: (.*)\n\n$/.exec(text)?.[1];
    expect((JSON.parse(data!) as FleetView).services[0]?.name).toBe('replica-0');
    stream.broadcast(view);
    expect(new TextDecoder().decode((await reader.read()).value)).toMatch(/^event: view\n/);
    controller.abort();
    stream.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('validates a client command, and says so when no replica answers', async () => {
    const { app: a, stream } = app(view);
    const bad = await request(a)
      .post('/api/commands')
      .set('x-dashboard-token', TOKEN)
      .send({ op: { kind: 'put', key: '' } })
      .expect(400);
    expect(bad.body.error).toMatch(/invalid command: op\.key/);
    await request(a)
      .post('/api/commands')
      .set('x-dashboard-token', TOKEN)
      .set('Content-Type', 'application/json')
      .send('{not json')
      .expect(400, { error: 'body is not valid JSON' });
    const unanswered = await request(a)
      .post('/api/commands')
      .set('x-dashboard-token', TOKEN)
      .send({ op: { kind: 'get', key: 'k' } })
      .expect(503);
    expect(unanswered.body.error).toMatch(/no replica answered \(replica-0: ECONNREFUSED\)/);
    stream.close();
  });

  it('kills and restarts only in local fleet mode, passing refusals on with their status', async () => {
    const readOnly = app(view);
    const refused = await request(readOnly.app)
      .post('/api/services/replica-0/kill')
      .set('x-dashboard-token', TOKEN)
      .type('json')
      .expect(403);
    expect(refused.body.error).toMatch(/FLEET_CONTROL_FILE/);
    readOnly.stream.close();

    const calls: string[] = [];
    const control: FleetControl = {
      controllable: async () => new Set(['replica-0']),
      kill: async (name) => {
        calls.push(`kill ${name}`);
        if (name !== 'replica-0') throw new FleetControlError(404, `no service named ${name}`);
        return { name, killedPid: 42 };
      },
      restart: async (name) => {
        calls.push(`restart ${name}`);
        return { name, killedPid: null, pid: 43 };
      },
    };
    const local = app(view, control);
    await request(local.app)
      .post('/api/services/replica-0/kill')
      .set('x-dashboard-token', TOKEN)
      .type('json')
      .expect(200, { name: 'replica-0', killedPid: 42 });
    await request(local.app)
      .post('/api/services/replica-0/restart')
      .set('x-dashboard-token', TOKEN)
      .type('json')
      .expect(200, { name: 'replica-0', killedPid: null, pid: 43 });
    await request(local.app)
      .post('/api/services/leader-7/kill')
      .set('x-dashboard-token', TOKEN)
      .type('json')
      .expect(404);
    await request(local.app)
      .post('/api/services/replica-0/pause')
      .set('x-dashboard-token', TOKEN)
      .type('json')
      .expect(404);
    expect(calls).toEqual(['kill replica-0', 'restart replica-0', 'kill leader-7']);
    local.stream.close();
  });
});

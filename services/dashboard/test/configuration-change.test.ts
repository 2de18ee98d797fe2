/**
 * The dashboard follows a reconfiguration as it happens: a fake fleet over HTTP (one server,
 * each member under /<id>/) replaces acceptor-1 with acceptor-3 in three steps, and the
 * poller's views must show the configuration in force, then the pending change with
 * acceptor-3 discovered through FLEET_MEMBER_URL, then the new configuration in force with
 * acceptor-1 as a former member.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FleetTarget } from '../src/config/fleet-targets';
import { FleetPoller } from '../src/poller/fleet-poller';
import type { FleetView } from '../src/view/fleet-view';

const initial = {
  epoch: 0,
  startSlot: 1,
  acceptors: ['acceptor-0', 'acceptor-1', 'acceptor-2'],
  leaders: ['leader-0'],
  replicas: ['replica-0'],
  window: 16,
};
const replaced = {
  ...initial,
  epoch: 1,
  startSlot: 60,
  acceptors: ['acceptor-0', 'acceptor-3', 'acceptor-2'],
};

type Phase = 'before' | 'decided' | 'in force';
let phase: Phase = 'before';

/** What the fake replica-0 answers to GET /config in each phase. */
function replicaConfig(): object {
  const slotOut = phase === 'before' ? 40 : phase === 'decided' ? 50 : 70;
  const inForce = phase === 'in force' ? replaced : initial;
  const pending = phase === 'decided' ? replaced : null;
  return {
    processId: 'replica-0',
    role: 'replica',
    member: true,
    epoch: inForce.epoch,
    inForce,
    pending,
    schedule: pending ? [inForce, pending] : [inForce],
    slotOut,
    formerMembers: phase === 'in force' ? ['acceptor-1'] : [],
  };
}

function stateOf(id: string): object {
  const role = id.split('-')[0]!;
  const state =
    role === 'leader'
      ? { ballot: phase === 'in force' ? 'e1:0.leader-0' : '2.leader-0', active: true }
      : role === 'replica'
        ? { slotOut: 40, digest: 'd' }
        : { ballot: '2.leader-0' };
  return { role, processId: id, host: { ready: true, epoch: 1 }, state };
}

const asked: string[] = [];
const server = http.createServer((req, res) => {
  const [, id, what] = (req.url ?? '').split('/');
  asked.push(`${id}/${what}`);
  // acceptor-1 is gone once the change is in force (its container stopped).
  if (id === 'acceptor-1' && phase === 'in force') {
    res.writeHead(502).end();
    return;
  }
  const body =
    what === 'state'
      ? stateOf(id!)
      : what === 'config' && id === 'replica-0'
        ? replicaConfig()
        : what === 'metrics'
          ? null
          : undefined;
  if (body === undefined) {
    res.writeHead(404).end();
  } else if (body === null) {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('');
  } else {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }
});

let base = '';
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

async function nextView(views: FleetView[], when: (v: FleetView) => boolean): Promise<FleetView> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const found = views.find(when);
    if (found) return found;
    if (Date.now() > deadline)
      throw new Error(`no such view; last: ${JSON.stringify(views.at(-1))}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

it('shows the configuration in force, a pending change, and the change in force', async () => {
  const targets: FleetTarget[] = [
    'acceptor-0',
    'acceptor-1',
    'acceptor-2',
    'leader-0',
    'replica-0',
  ].map((name) => ({
    name,
    role: name.split('-')[0] as FleetTarget['role'],
    url: `${base}/${name}`,
  }));
  const views: FleetView[] = [];
  const poller = new FleetPoller({
    targets,
    memberUrl: `${base}/{id}`,
    queue: { read: async () => ({ ok: true, depths: [] }), close: () => undefined },
    intervalMs: 100,
    scrapeTimeoutMs: 1_000,
    controllable: async () => null,
    onView: (view) => views.push(view),
    onError: (err) => {
      throw err;
    },
  });
  poller.start();
  try {
    const before = await nextView(views, (v) => v.configuration.inForce !== null);
    expect(before.configuration.inForce).toMatchObject({ epoch: 0, startSlot: 1 });
    expect(before.configuration.pending).toBeNull();
    expect(before.services.map((s) => s.name)).not.toContain('acceptor-3');

    phase = 'decided';
    const decided = await nextView(views, (v) =>
      v.services.some((s) => s.name === 'acceptor-3' && s.status === 'up'),
    );
    expect(decided.configuration.pending).toMatchObject({
      epoch: 1,
      startSlot: 60,
      joining: ['acceptor-3'],
      leaving: ['acceptor-1'],
      slotsToGo: 10,
    });
    const service = (v: FleetView, name: string) => v.services.find((s) => s.name === name)!;
    expect(service(decided, 'acceptor-3')).toMatchObject({
      membership: 'joining',
      role: 'acceptor',
    });
    expect(service(decided, 'acceptor-1').membership).toBe('leaving');
    expect(asked).toContain('acceptor-3/state');

    phase = 'in force';
    const after = await nextView(views, (v) => v.configuration.inForce?.epoch === 1);
    expect(after.configuration.pending).toBeNull();
    expect(after.configuration.inForce?.acceptors).toEqual([
      'acceptor-0',
      'acceptor-3',
      'acceptor-2',
    ]);
    expect(service(after, 'acceptor-3').membership).toBe('member');
    // Still configured (FLEET_TARGETS), so still shown: down, and marked as a former member.
    expect(service(after, 'acceptor-1')).toMatchObject({ membership: 'former', status: 'down' });
    // The leader's ballot of epoch 1 reads as such.
    expect(service(after, 'leader-0').ballot).toBe('e1:0.leader-0');
    expect(after.activeLeader).toBe('leader-0');
  } finally {
    await poller.stop();
  }
});

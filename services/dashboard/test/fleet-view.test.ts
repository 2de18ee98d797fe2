import type { FleetTarget } from '../src/config/fleet-targets';
import { parsePrometheusText } from '../src/metrics/prometheus-text';
import { replicasToTry } from '../src/http/command-relay';
import { ballotLabel, ballotRank, compareBallotRanks } from '../src/scrape/state-answer';
import { EMPTY_DECISION_SERIES } from '../src/view/decision-series';
import { buildFleetView, slotOutsOf, type ServiceScrape } from '../src/view/fleet-view';

const target = (name: string): FleetTarget => ({
  name,
  role: name.split('-')[0] as FleetTarget['role'],
  url: `http://${name}:8080`,
});

function up(name: string, state: Record<string, unknown>, metricsText = ''): ServiceScrape {
  return {
    target: target(name),
    state: { role: name.split('-')[0]!, processId: name, host: { ready: true, epoch: 2 }, state },
    metrics: parsePrometheusText(metricsText),
    config: null,
    error: null,
  };
}
const down = (name: string): ServiceScrape => ({
  target: target(name),
  state: null,
  metrics: null,
  config: null,
  error: 'ECONNREFUSED',
});

const scrapes: ServiceScrape[] = [
  up('acceptor-0', { ballot: '4.leader-1' }),
  up(
    'leader-0',
    { ballot: '3.leader-0', active: true },
    [
      '# TYPE paxos_messages_in_total counter',
      'paxos_messages_in_total{type="p1b"} 2',
      'paxos_messages_in_total{type="p2b"} 5',
      '# TYPE paxos_dead_letters_total counter',
      'paxos_dead_letters_total 1',
    ].join('\n'),
  ),
  up('leader-1', { ballot: { round: 4, leaderId: 'leader-1' }, active: true }),
  up('replica-0', { slotOut: 41, digest: 'abc' }),
  down('replica-1'),
];

describe('buildFleetView', () => {
  const view = buildFleetView({
    atMs: 1_000,
    scrapes,
    queue: {
      ok: true,
      depths: [
        { dst: 'leader-1', depth: 7, leased: 3 },
        { dst: 'replica-1', depth: 12, leased: 0 },
      ],
    },
    decisions: { last: null, points: [{ atMs: 1_000, perSecond: 4.5 }], decidedSlots: 40 },
    controllable: new Set(['leader-0', 'leader-1']),
  });
  const service = (name: string) => view.services.find((s) => s.name === name)!;

  it('picks the active leader with the highest ballot when two say they are active', () => {
    expect(view.activeLeader).toBe('leader-1');
  });

  it('shows each role its own facts', () => {
    expect(service('acceptor-0')).toMatchObject({
      status: 'up',
      ballot: '4.leader-1',
      active: null,
      slotOut: null,
    });
    expect(service('leader-1')).toMatchObject({ ballot: '4.leader-1', active: true });
    expect(service('replica-0')).toMatchObject({ slotOut: 41, ballot: null, epoch: 2 });
  });

  it('marks a service that does not answer as down, with the reason', () => {
    expect(service('replica-1')).toMatchObject({
      status: 'down',
      error: 'ECONNREFUSED',
      slotOut: null,
    });
  });

  it('reads queue depth per destination; no row means an empty queue', () => {
    expect(service('leader-1')).toMatchObject({ queueDepth: 7, queueLeased: 3 });
    expect(service('replica-1').queueDepth).toBe(12);
    expect(service('acceptor-0')).toMatchObject({ queueDepth: 0, queueLeased: 0 });
    expect(view.queue.total).toBe(19);
  });

  it('sums counters over their labels', () => {
    expect(service('leader-0')).toMatchObject({ messagesIn: 7, deadLetters: 1, messagesOut: null });
  });

  it('passes the decision series and which services the buttons may act on', () => {
    expect(view.decisions).toEqual({
      decidedSlots: 40,
      perSecond: 4.5,
      series: [{ atMs: 1_000, perSecond: 4.5 }],
    });
    expect(service('leader-0').controllable).toBe(true);
    expect(service('replica-0').controllable).toBe(false);
    expect(view.control.enabled).toBe(true);
  });

  it('says "unknown", not zero, when the queue cannot be read, and disables control outside local mode', () => {
    const v = buildFleetView({
      atMs: 0,
      scrapes,
      queue: { ok: false, error: 'data API unavailable' },
      decisions: EMPTY_DECISION_SERIES,
      controllable: null,
    });
    expect(v.services.every((s) => s.queueDepth === null)).toBe(true);
    expect(v.queue).toEqual({ ok: false, error: 'data API unavailable', depths: [], total: null });
    expect(v.control.enabled).toBe(false);
    expect(v.decisions.perSecond).toBeNull();
  });

  it('counts a service that serves HTTP but has not recovered yet as starting', () => {
    const starting: ServiceScrape = {
      ...up('leader-0', {}),
      state: { role: 'leader', processId: 'leader-0', host: { starting: true }, state: null },
    };
    const v = buildFleetView({
      atMs: 0,
      scrapes: [starting],
      queue: { ok: true, depths: [] },
      decisions: EMPTY_DECISION_SERIES,
      controllable: null,
    });
    expect(v.services[0]?.status).toBe('starting');
    expect(v.activeLeader).toBeNull();
  });
});

describe('ballots of several configurations', () => {
  it.each([
    ['3.leader-0', { epoch: 0, round: 3 }],
    ['e2:3.leader-0', { epoch: 2, round: 3 }],
    ['e12:0.leader-1', { epoch: 12, round: 0 }],
    ['⊥', { epoch: 0, round: -1 }],
    ['e2:⊥', { epoch: 2, round: -1 }],
    ['nonsense', { epoch: -1, round: -1 }],
  ])('reads %j', (printed, rank) => {
    expect(ballotRank(printed)).toEqual(rank);
  });

  it('orders by epoch, then round', () => {
    const order = ['e1:0.leader-1', '9.leader-0', 'e1:2.leader-0', '⊥', 'e2:⊥'].sort((a, b) =>
      compareBallotRanks(ballotRank(a), ballotRank(b)),
    );
    expect(order).toEqual(['⊥', '9.leader-0', 'e1:0.leader-1', 'e1:2.leader-0', 'e2:⊥']);
  });

  it('labels object ballots as the roles print them', () => {
    expect(ballotLabel({ epoch: 2, round: 3, leaderId: 'leader-0' })).toBe('e2:3.leader-0');
    expect(ballotLabel({ round: 3, leaderId: 'leader-0' })).toBe('3.leader-0');
    expect(ballotLabel({ epoch: 2, round: -1, leaderId: '' })).toBe('e2:⊥');
  });

  it('takes the leader of the newer configuration as the active one, whatever its round', () => {
    const view = buildFleetView({
      atMs: 0,
      scrapes: [
        up('leader-0', { ballot: '7.leader-0', active: true }),
        up('leader-1', { ballot: 'e1:0.leader-1', active: true }),
      ],
      queue: { ok: true, depths: [] },
      decisions: EMPTY_DECISION_SERIES,
      controllable: null,
    });
    expect(view.activeLeader).toBe('leader-1');
  });
});

describe('slotOutsOf', () => {
  it('takes slot_out from the replicas that answered', () => {
    expect(slotOutsOf(scrapes)).toEqual({ 'replica-0': 41 });
  });
});

describe('replicasToTry', () => {
  it('puts the replicas seen up first, and still tries the others', () => {
    const view = buildFleetView({
      atMs: 0,
      scrapes: [down('replica-0'), up('replica-1', { slotOut: 1 })],
      queue: { ok: true, depths: [] },
      decisions: EMPTY_DECISION_SERIES,
      controllable: null,
    });
    const replicas = [target('replica-0'), target('replica-1')];
    expect(replicasToTry(replicas, view).map((r) => r.name)).toEqual(['replica-1', 'replica-0']);
    expect(replicasToTry(replicas, null).map((r) => r.name)).toEqual(['replica-0', 'replica-1']);
  });
});

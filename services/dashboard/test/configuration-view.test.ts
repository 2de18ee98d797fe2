import type { FleetTarget } from '../src/config/fleet-targets';
import type { ConfigAnswer, ConfigViewAnswer } from '../src/scrape/config-answer';
import {
  NO_CONFIGURATION,
  buildConfigurationView,
  membershipOf,
  targetsToScrape,
} from '../src/view/configuration-view';

const initial: ConfigViewAnswer = {
  epoch: 0,
  startSlot: 1,
  acceptors: ['acceptor-0', 'acceptor-1', 'acceptor-2'],
  leaders: ['leader-0', 'leader-1'],
  replicas: ['replica-0', 'replica-1'],
  window: 16,
};
// acceptor-1 replaced by acceptor-3, decided in slot 284: governs from 284 + 16.
const replaced: ConfigViewAnswer = {
  ...initial,
  epoch: 1,
  startSlot: 300,
  acceptors: ['acceptor-0', 'acceptor-3', 'acceptor-2'],
};

function answer(
  name: string,
  inForce: ConfigViewAnswer,
  pending: ConfigViewAnswer | null,
  slotOut: number,
  extra: Partial<ConfigAnswer> = {},
) {
  const config: ConfigAnswer = {
    processId: name,
    role: 'replica',
    member: true,
    epoch: inForce.epoch,
    inForce,
    pending,
    schedule: pending ? [inForce, pending] : [inForce],
    slotOut,
    ...extra,
  };
  return { name, config };
}

describe('buildConfigurationView', () => {
  it('knows nothing until a replica answers GET /config', () => {
    expect(buildConfigurationView([])).toEqual(NO_CONFIGURATION);
    expect(membershipOf('acceptor-0', 'acceptor', NO_CONFIGURATION)).toBe('unknown');
  });

  it('shows the configuration in force, with its start slot and members', () => {
    const view = buildConfigurationView([
      answer('replica-0', initial, null, 40),
      answer('replica-1', initial, null, 39),
    ]);
    expect(view.inForce).toEqual({
      epoch: 0,
      startSlot: 1,
      window: 16,
      acceptors: ['acceptor-0', 'acceptor-1', 'acceptor-2'],
      leaders: ['leader-0', 'leader-1'],
      replicas: ['replica-0', 'replica-1'],
    });
    expect(view.pending).toBeNull();
    expect(view.behind).toEqual([]);
    expect(membershipOf('acceptor-1', 'acceptor', view)).toBe('member');
    // Started with a new id, before the reconfiguration that adds it.
    expect(membershipOf('acceptor-3', 'acceptor', view)).toBe('outside');
  });

  it('shows a decided change as pending: who joins, who leaves, how many slots to go', () => {
    const view = buildConfigurationView([
      answer('replica-0', initial, replaced, 290),
      // Has not applied the reconfiguration's slot yet: no pending change known to it.
      answer('replica-1', initial, null, 280),
    ]);
    expect(view.inForce?.epoch).toBe(0);
    expect(view.pending).toMatchObject({
      epoch: 1,
      startSlot: 300,
      joining: ['acceptor-3'],
      leaving: ['acceptor-1'],
      slotsToGo: 10,
    });
    expect(membershipOf('acceptor-1', 'acceptor', view)).toBe('leaving');
    expect(membershipOf('acceptor-3', 'acceptor', view)).toBe('joining');
    expect(membershipOf('acceptor-0', 'acceptor', view)).toBe('member');
    expect(membershipOf('leader-0', 'leader', view)).toBe('member');
  });

  it('takes the replica furthest along; the others are behind; the one that left is former', () => {
    const view = buildConfigurationView([
      answer('replica-0', initial, replaced, 299),
      answer('replica-1', replaced, null, 302, { schedule: [replaced] }),
    ]);
    expect(view.reportedBy).toBe('replica-1');
    expect(view.inForce?.epoch).toBe(1);
    expect(view.inForce?.startSlot).toBe(300);
    expect(view.pending).toBeNull();
    expect(view.behind).toEqual(['replica-0']);
    expect(view.former).toEqual(['acceptor-1']);
    expect(membershipOf('acceptor-1', 'acceptor', view)).toBe('former');
    expect(membershipOf('acceptor-3', 'acceptor', view)).toBe('member');
  });

  it('remembers former members the replicas keep once the old schedule entry is gone', () => {
    const view = buildConfigurationView([
      answer('replica-0', replaced, null, 900, {
        schedule: [replaced],
        formerMembers: ['acceptor-1'],
      }),
    ]);
    expect(view.former).toEqual(['acceptor-1']);
    expect(membershipOf('acceptor-1', 'acceptor', view)).toBe('former');
  });
});

describe('targetsToScrape', () => {
  const configured: FleetTarget[] = [
    { name: 'acceptor-1', role: 'acceptor', url: 'http://acceptor-1:8080' },
    { name: 'replica-0', role: 'replica', url: 'http://replica-0:8080' },
  ];
  const pendingView = buildConfigurationView([answer('replica-0', initial, replaced, 290)]);

  it('adds the members of the configuration in force and the pending one at FLEET_MEMBER_URL', () => {
    const targets = targetsToScrape(configured, pendingView, 'http://{id}:8080');
    expect(targets.slice(0, 2)).toEqual(configured);
    expect(targets.map((t) => t.name).sort()).toEqual(
      [
        'acceptor-0',
        'acceptor-1',
        'acceptor-2',
        'acceptor-3',
        'leader-0',
        'leader-1',
        'replica-0',
        'replica-1',
      ].sort(),
    );
    expect(targets.find((t) => t.name === 'acceptor-3')).toEqual({
      name: 'acceptor-3',
      role: 'acceptor',
      url: 'http://acceptor-3:8080',
    });
  });

  it('scrapes only the configured targets without FLEET_MEMBER_URL or a configuration', () => {
    expect(targetsToScrape(configured, pendingView, null)).toEqual(configured);
    expect(targetsToScrape(configured, NO_CONFIGURATION, 'http://{id}:8080')).toEqual(configured);
  });

  it('drops a discovered member once it left, and skips ids that cannot be a host name', () => {
    const after = buildConfigurationView([
      answer(
        'replica-0',
        { ...replaced, acceptors: ['acceptor-0', 'node:7', 'acceptor-2'] },
        null,
        400,
      ),
    ]);
    const names = targetsToScrape([], after, 'http://{id}:8080').map((t) => t.name);
    expect(names).not.toContain('acceptor-3');
    expect(names).not.toContain('node:7');
    expect(names).toContain('acceptor-0');
  });
});

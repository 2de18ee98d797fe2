import {
  LIMITS,
  PROTOCOL_STAMP_JSON_BYTES_MAX,
  PROTOCOL_STATE_KEY,
  PROTOCOL_VERSION,
  acceptedMessageVersions,
  durableVersionProblem,
  jsonBytes,
  parseMessage,
  stampedPayload,
  utf8Bytes,
  type DurableState,
  type Message,
} from '@paxos/shared';
import { admit } from '../src/admit';
import { ShellFatalError } from '../src/failures';
import { FakeDataApi, claimed, newCore, p1a, probeRole, run } from './support/shell-harness';

/**
 * Versioned messages and durable state (docs/upgrades.md): every queued message carries the
 * version that sent it, a member takes its neighbours' versions and dead-letters the rest, and
 * the shell records the version in the durable state it recovers, refusing a later one.
 */

const stamped = (version: number | undefined, payload: string = p1a(1)): string =>
  version === undefined
    ? payload
    : JSON.stringify({ pv: version, ...(JSON.parse(payload) as object) });

describe('message versions', () => {
  it('a member of version N takes versions N-1 to N+1, and no version below 1', () => {
    expect(acceptedMessageVersions(2)).toEqual({ lowest: 1, highest: 3 });
    expect(acceptedMessageVersions(5)).toEqual({ lowest: 4, highest: 6 });
    expect(acceptedMessageVersions(1)).toEqual({ lowest: 1, highest: 2 });
  });

  it.each([
    ['unstamped (version 1)', undefined],
    ['the previous version', PROTOCOL_VERSION - 1],
    ['this version', PROTOCOL_VERSION],
    ['the next version', PROTOCOL_VERSION + 1],
  ])('admits a message %s', (_name, version) => {
    const admission = admit(claimed('m1', stamped(version)), 5);
    expect(admission).toEqual({
      ok: true,
      message: { type: 'p1a', from: 'leader-0', ballot: { round: 1, leaderId: 'leader-0' } },
    });
  });

  it.each([
    ['two versions ahead', PROTOCOL_VERSION + 2, /protocol version 4; this member runs version 2/],
    ['a string', '2', /pv must be a protocol version .* got "2"/],
    ['zero', 0, /pv must be a protocol version .* got 0/],
  ])('dead-letters a message stamped %s, naming the versions', (_name, version, detail) => {
    const admission = admit(claimed('m1', JSON.stringify({ pv: version, type: 'p1a' })), 5);
    expect(admission).toMatchObject({ ok: false, reason: 'protocol-version' });
    expect(admission.ok ? '' : admission.detail).toMatch(detail);
  });

  it('the shell core dead-letters an unsupported version and steps the rest of the batch', () => {
    const api = new FakeDataApi();
    const { core, recorded } = newCore();
    core.begin(api.epoch);
    run(core, api);
    core.receive([
      claimed('m1', stamped(PROTOCOL_VERSION + 2)),
      claimed('m2', stamped(PROTOCOL_VERSION - 1, p1a(2))),
    ]);
    expect(run(core, api)).toEqual([
      'dead-letter m1 protocol-version',
      'commit #1 puts=seen:2 sends=p1a>leader-0 acks=m2',
    ]);
    expect(recorded.deadLettered).toEqual(['m1 protocol-version']);
  });

  it('every queued message is stamped with this version, and reads back as the same message', () => {
    const api = new FakeDataApi();
    const { core } = newCore();
    core.begin(api.epoch);
    run(core, api);
    core.receive([claimed('m1', p1a(1))]);
    run(core, api);
    const payload = api.queued[0]!.payload;
    expect(payload.startsWith(`{"pv":${PROTOCOL_VERSION},"type":"p1a"`)).toBe(true);
    expect(parseMessage(JSON.parse(payload))).toEqual({
      ok: true,
      message: { type: 'p1a', from: 'acceptor-0', ballot: { round: 1, leaderId: 'leader-0' } },
    });
  });
});

describe('the stamp and the limits', () => {
  it('costs at most PROTOCOL_STAMP_JSON_BYTES_MAX bytes of JSON, even for a nine-digit version', () => {
    const message: Message = { type: 'p1a', from: 'x', ballot: { round: 0, leaderId: 'x' } };
    for (const version of [PROTOCOL_VERSION, 999_999_999]) {
      const cost = utf8Bytes(stampedPayload(message, version)) - jsonBytes(message);
      expect(cost).toBeLessThanOrEqual(PROTOCOL_STAMP_JSON_BYTES_MAX);
    }
  });

  it('the largest message a role builds, stamped, stays within LIMITS.messageJsonBytesMax', () => {
    // A batch is at most batchJsonBytesMax; its envelope at its largest (a propose naming a
    // configuration with every role at configMembersMax, ids at 128 characters, and a p2a
    // naming as many learners) is what the margin must cover.
    const id = (i: number) => `${i}`.padStart(128, 'p');
    const members = Array.from({ length: LIMITS.configMembersMax }, (_, i) => id(i));
    const filler = 'v'.repeat(LIMITS.batchJsonBytesMax - 600);
    const value = {
      batchId: 'b'.repeat(256),
      commands: [
        {
          sessionId: Number.MAX_SAFE_INTEGER,
          requestId: Number.MAX_SAFE_INTEGER,
          op: { kind: 'put', key: 'k', value: filler },
        },
      ],
    };
    const ballot = { epoch: Number.MAX_SAFE_INTEGER, round: 1e15, leaderId: id(1) };
    const config = {
      epoch: Number.MAX_SAFE_INTEGER,
      acceptors: members,
      leaders: members,
      replicas: members,
      window: LIMITS.windowSlotsMax,
    };
    const largest = [
      {
        type: 'propose',
        from: id(0),
        slot: Number.MAX_SAFE_INTEGER,
        value,
        configEntry: { startSlot: Number.MAX_SAFE_INTEGER, config },
      },
      {
        type: 'p2a',
        from: id(0),
        pvalue: { ballot, slot: Number.MAX_SAFE_INTEGER, value },
        learners: members,
      },
    ] as Message[];
    for (const message of largest) {
      expect(jsonBytes(value.commands)).toBeLessThanOrEqual(LIMITS.batchJsonBytesMax);
      expect(utf8Bytes(stampedPayload(message))).toBeLessThanOrEqual(LIMITS.messageJsonBytesMax);
    }
  });
});

describe('durable state versions', () => {
  /** A data API holding `rows` (no protocol row unless given), and the core's first run. */
  function recoverFrom(rows: Record<string, unknown>) {
    const api = new FakeDataApi();
    api.rows.clear();
    for (const [key, value] of Object.entries(rows)) {
      api.rows.set(key, { slot: null, value, epoch: 1, writeSeq: 1 });
    }
    api.epoch = 2;
    const seen: DurableState[] = [];
    const { core } = newCore({
      role: {
        ...probeRole,
        // Like the replica, which records an incarnation each time it recovers.
        recover: (config, durable, now) => {
          seen.push(durable);
          const result = probeRole.recover(config, durable, now);
          return { ...result, persist: [{ op: 'put', key: 'r', slot: null, value: 1 }] };
        },
      },
    });
    core.begin(api.epoch);
    let error: unknown = null;
    let lines: string[] = [];
    try {
      lines = run(core, api);
    } catch (err) {
      error = err;
    }
    return { api, lines, error, seen };
  }

  it('a new process records its version in its recovery commit', () => {
    const { api, lines, error } = recoverFrom({});
    expect(error).toBeNull();
    expect(lines).toEqual(['load-durable', `commit #1 puts=${PROTOCOL_STATE_KEY},r`]);
    expect(api.rows.get(PROTOCOL_STATE_KEY)?.value).toBe(PROTOCOL_VERSION);
  });

  it('state of version 1 (no row) is upgraded in place: the version row first, an event, the role never sees it', () => {
    const { api, lines, error, seen } = recoverFrom({ 'seen:4': 4 });
    expect(error).toBeNull();
    expect(lines).toEqual([
      'load-durable',
      `commit #1 puts=${PROTOCOL_STATE_KEY},r`,
      `deliver  events=upgraded in place: durable state of protocol version 1 is now version ${PROTOCOL_VERSION}`,
    ]);
    expect(api.rows.get(PROTOCOL_STATE_KEY)?.value).toBe(PROTOCOL_VERSION);
    expect(api.rows.get('seen:4')?.value).toBe(4);
    expect([...seen[0]!.keys()]).toEqual(['seen:4']);
  });

  it('state of this version recovers with no version write; the role never sees the row', () => {
    const { lines, error, seen } = recoverFrom({ 'seen:4': 4, protocol: PROTOCOL_VERSION });
    expect(error).toBeNull();
    expect(lines).toEqual(['load-durable', 'commit #1 puts=r']);
    expect([...seen[0]!.keys()]).toEqual(['seen:4']);
  });

  it('state of a later version (an in-place downgrade): exit code 4, naming both versions', () => {
    const { api, error, seen } = recoverFrom({
      'seen:4': 4,
      protocol: PROTOCOL_VERSION + 1,
    });
    expect(error).toBeInstanceOf(ShellFatalError);
    expect((error as ShellFatalError).exitCode).toBe(4);
    expect((error as Error).message).toMatch(
      /acceptor-0 will not start: durable state written by protocol version 3, newer than this process's version 2: an in-place downgrade is not supported/,
    );
    expect(seen).toEqual([]);
    expect(api.commits).toEqual([]);
  });

  it('an unreadable version row is corrupt state: exit code 3', () => {
    const { error } = recoverFrom({ protocol: 'two' });
    expect((error as ShellFatalError).exitCode).toBe(3);
    expect((error as Error).message).toMatch(/row "protocol" is unreadable/);
  });

  it('a version more than one behind is refused as well (an upgrade must not skip one)', () => {
    expect(durableVersionProblem(1, 3)).toMatch(/version 1, more than one version before .* 3/);
    expect(durableVersionProblem(2, 3)).toBeNull();
    expect(durableVersionProblem(3, 3)).toBeNull();
    expect(durableVersionProblem(4, 3)).toMatch(/newer than this process's version 3/);
  });
});

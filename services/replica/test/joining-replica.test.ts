import { replicaRole, type ReplicaState } from '@paxos/replica';
import {
  applyPersist,
  initialConfiguration,
  type ConfigEntry,
  type DurableEntry,
  type Message,
  type PersistOp,
} from '@paxos/shared';
import { newReplicaState } from '../src/role/state';
import { batch, cluster, decision, replicaConfig } from './support/harness';

/**
 * A replica joining through a reconfiguration starts from another replica's snapshot. The
 * snapshot may predate the reconfiguration that adds it (its source had not applied that slot
 * yet): the joining replica then knows no configuration it belongs to, so no leader sends it
 * decisions and nothing tells it it is behind. It must keep asking until a snapshot shows it the
 * configuration it joins, after a restart too. Found by the simulator: without this fix,
 * `npm run sim -- --seed 8 --reconfigure --replicas 1` (the only replica replaced; the new one
 * installed a snapshot taken before the reconfiguration and waited for good) and, with the
 * install fixed but not recovery, `--seed 41` (the same after a crash: recovery asked only when
 * the replica had no state at all).
 */
const joiner = replicaConfig({ id: 'replica-2', joinFrom: ['replica-0'] });
const epoch0: ConfigEntry = { startSlot: 1, config: initialConfiguration(cluster, 4) };
const epoch1: ConfigEntry = {
  startSlot: 22,
  config: { ...epoch0.config, epoch: 1, replicas: ['replica-0', 'replica-2'] },
};

/** A source replica at `slotOut` knowing `configs`, asked for a snapshot: its chunks. */
function chunksFrom(slotOut: number, configs: ConfigEntry[]): Message[] {
  const source = newReplicaState(replicaConfig({ id: 'replica-0' }));
  source.slotOut = slotOut;
  source.configs = configs;
  const ask: Message = { type: 'snapshot-request', from: 'replica-2', slotOut: 1 };
  return replicaRole.step(source, ask, 0).send.map((e) => e.message);
}

function install(state: ReplicaState, chunks: Message[], now: number): ReplicaState {
  return installWrites(state, chunks, now).state;
}

/** Installs the chunks, returning the state and what the steps made durable. */
function installWrites(state: ReplicaState, chunks: Message[], now: number) {
  const writes: PersistOp[] = [];
  for (const chunk of chunks) {
    const result = replicaRole.step(state, chunk, now);
    state = result.state;
    writes.push(...result.persist);
  }
  return { state, writes };
}

const snapshotRequests = (messages: Message[]) =>
  messages.filter((m) => m.type === 'snapshot-request');

describe('a joining replica and snapshots that predate its configuration', () => {
  it('keeps asking until a snapshot shows it the configuration it joins', () => {
    const started = replicaRole.recover(joiner, new Map(), 0).state;
    expect(started.transfer.wanted).toBe(true);

    // The source has not applied the reconfiguration yet: only epoch 0, without replica-2.
    const early = install(started, chunksFrom(18, [epoch0]), 10);
    expect(early.slotOut).toBe(18);
    expect(early.transfer.wanted).toBe(true);
    expect(early.retryDueAt).not.toBeNull();
    const tick = replicaRole.tick(early, early.retryDueAt!);
    expect(snapshotRequests(tick.send.map((e) => e.message))).toHaveLength(1);

    // A newer snapshot shows epoch 1 (pending, with replica-2): it serves from now on.
    const joined = install(tick.state, chunksFrom(20, [epoch0, epoch1]), 200);
    expect(joined.slotOut).toBe(20);
    expect(joined.transfer.wanted).toBe(false);
  });

  it('restarted from such a snapshot, it asks again', () => {
    const started = replicaRole.recover(joiner, new Map(), 0).state;
    const { writes } = installWrites(started, chunksFrom(18, [epoch0]), 10);
    const durable = applyPersist(new Map<string, DurableEntry>(), writes);
    const restarted = replicaRole.recover(joiner, durable, 500).state;
    expect(restarted.slotOut).toBe(18);
    expect(restarted.transfer.wanted).toBe(true);
  });

  it('a replica that left does not keep asking', () => {
    const left = replicaConfig({ id: 'replica-1' });
    const state = replicaRole.recover(left, new Map(), 0).state;
    const removed: ConfigEntry = {
      startSlot: 9,
      config: { ...epoch0.config, epoch: 1, replicas: ['replica-0'] },
    };
    // Asked after a leader said it was behind; the source applied its removal long ago.
    state.transfer.wanted = true;
    const source = newReplicaState(replicaConfig({ id: 'replica-0' }));
    source.slotOut = 30;
    source.configs = [removed];
    source.formerMembers = ['replica-1'];
    const ask: Message = { type: 'snapshot-request', from: 'replica-1', slotOut: 1 };
    const chunks = replicaRole.step(source, ask, 0).send.map((e) => e.message);
    expect(install(state, chunks, 10).transfer.wanted).toBe(false);
  });

  // Found by the chaos run (seed 604216): the new replica received the decisions of its
  // configuration every half second under load, each restarting its retry wait, so it asked for
  // the snapshot it needed only once the load stopped, a minute later.
  it('decisions above the slots it lacks do not put off its asking', () => {
    const retryMs = joiner.retryMs;
    let state = replicaRole.recover(joiner, new Map(), 0).state;
    const asked: number[] = [];
    for (let now = 0, slot = 30; now <= 3 * retryMs; now += retryMs / 4, slot += 1) {
      let result = replicaRole.step(state, decision(slot, batch(`b${slot}`)), now);
      if (result.state.retryDueAt !== null && result.state.retryDueAt <= now) {
        result = replicaRole.tick(result.state, now);
      }
      state = result.state;
      if (snapshotRequests(result.send.map((e) => e.message)).length > 0) asked.push(now);
    }
    expect(state.slotOut).toBe(1);
    expect(asked.length).toBeGreaterThanOrEqual(2);
    expect(asked[0]).toBeLessThanOrEqual(retryMs);
  });

  it('a joining replica whose log stands still asks, however many later decisions arrive', () => {
    // The snapshot shows epoch 1 pending; slots 20 and 21 belong to epoch 0, which never sends
    // them to replica-2.
    let state = install(
      replicaRole.recover(joiner, new Map(), 0).state,
      chunksFrom(20, [epoch0, epoch1]),
      0,
    );
    expect(state.transfer.wanted).toBe(false);
    let asked = 0;
    for (let now = 1, slot = 22; now <= 4 * joiner.retryMs; now += joiner.retryMs / 4, slot += 1) {
      let result = replicaRole.step(state, decision(slot, batch(`b${slot}`)), now);
      if (result.state.retryDueAt !== null && result.state.retryDueAt <= now) {
        result = replicaRole.tick(result.state, now);
      }
      state = result.state;
      asked += snapshotRequests(result.send.map((e) => e.message)).length;
    }
    expect(state.slotOut).toBe(20);
    expect(asked).toBeGreaterThanOrEqual(1);
  });
});

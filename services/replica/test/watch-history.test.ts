import { replicaRole } from '@paxos/replica';
import { LIMITS, jsonBytes, revisionOf, type Message } from '@paxos/shared';
import { newReplicaState } from '../src/role/state';
import type { ReplicaState } from '../src/role/state';
import { closeSlot, noteChange, trimHistory } from '../src/role/watch-history';
import {
  ReplicaHarness,
  batch,
  cas,
  command,
  decision,
  del,
  put,
  replicaConfig,
} from './support/harness';

/** The role's change history (role/watch-history.ts): what the watch feed serves. */

/** Every change the history holds, as [revision, key, value]. */
function changes(state: ReplicaState): Array<[number, string, string | null]> {
  const out: Array<[number, string, string | null]> = [];
  for (const entry of state.history.slots.values()) {
    for (const c of entry.changes) out.push([revisionOf(entry.slot, c.position), c.key, c.value]);
  }
  return out;
}

describe('the change history', () => {
  it('records each change with its slot and position; reads and misses are not changes', () => {
    const r = new ReplicaHarness();
    r.step(
      decision(
        1,
        batch(
          'a',
          command(1, put('x', '1')),
          command(2, { kind: 'get', key: 'x' }),
          command(3, del('absent')),
          command(4, cas('x', 'wrong', '9')),
          command(5, cas('x', '1', '2')),
        ),
      ),
    );
    r.step(decision(2, batch('b')));
    r.step(decision(3, batch('c', command(6, { kind: 'list', prefix: '' }), command(7, del('x')))));
    expect(changes(r.state)).toEqual([
      [revisionOf(1, 0), 'x', '1'],
      [revisionOf(1, 4), 'x', '2'],
      [revisionOf(3, 1), 'x', null],
    ]);
    // One row per slot that changed something; none for the empty slot 2.
    const rows = [...r.durable.keys()].filter((k) => k.startsWith('change:')).sort();
    expect(rows).toEqual(['change:1', 'change:3']);
    expect(r.durable.get('change:1')).toEqual({
      slot: 1 + 10_000,
      value: {
        slot: 1,
        changes: [
          [0, 'x', '1'],
          [4, 'x', '2'],
        ],
      },
    });
  });

  it('a put pays one durable row per slot, however many commands the slot carries', () => {
    const r = new ReplicaHarness(replicaConfig({ batchMaxCommands: 50 }));
    const commands = Array.from({ length: 40 }, (_, i) => command(i + 1, put(`k${i}`, `${i}`)));
    const result = r.step(decision(1, batch('a', ...commands)));
    expect(result.persist.map((op) => (op.op === 'put' ? op.key : op.op))).toEqual([
      'decision:1',
      'change:1',
    ]);
  });

  it('keeps the latest watchRetentionSlots slots; older rows expire with a snapshot`s truncation', () => {
    const r = new ReplicaHarness(replicaConfig({ watchRetentionSlots: 3, snapshotEverySlots: 4 }));
    for (let slot = 1; slot <= 8; slot++) {
      r.step(decision(slot, batch(`b${slot}`, command(slot, put('k', `${slot}`)))));
    }
    expect(r.state.slotOut).toBe(9);
    expect(r.state.history.fromSlot).toBe(6);
    expect([...r.state.history.slots.keys()]).toEqual([6, 7, 8]);
    // The snapshot at slotOut 9 truncated below 9: rows of slots 1..5 (expiry slot + 3 < 9).
    const rows = [...r.durable.keys()].filter((k) => k.startsWith('change:')).sort();
    expect(rows).toEqual(['change:6', 'change:7', 'change:8']);
  });

  it('drops the oldest slots past LIMITS.watchHistoryJsonBytesMax', () => {
    // The history's own functions, as perform.ts calls them: 550 slots of 60 KB stepped through
    // the whole role would spend most of the test digesting operations.
    const state = newReplicaState(replicaConfig());
    const value = 'v'.repeat(60_000);
    const slots = Math.ceil(LIMITS.watchHistoryJsonBytesMax / 60_000) + 5;
    for (let slot = 1; slot <= slots; slot++) {
      noteChange(state, 0, put(`k${slot % 10}`, value), { ok: true, value: null });
      closeSlot(state, slot, null);
      state.slotOut = slot + 1;
      trimHistory(state);
    }
    expect(state.history.jsonBytes).toBeLessThanOrEqual(LIMITS.watchHistoryJsonBytesMax);
    expect(state.history.jsonBytes).toBeGreaterThan(LIMITS.watchHistoryJsonBytesMax - 60_100);
    expect(state.history.fromSlot).toBeGreaterThan(1);
    expect(state.history.slots.keys().next().value).toBe(state.history.fromSlot);
  });

  it('a restarted replica serves the same history, from rows below its snapshot and replayed decisions above', () => {
    const r = new ReplicaHarness(replicaConfig({ snapshotEverySlots: 3 }));
    for (let slot = 1; slot <= 7; slot++) {
      r.step(decision(slot, batch(`b${slot}`, command(slot, put(`k${slot}`, `${slot}`)))));
    }
    // Decisions 1..6 are truncated by the snapshot at 7; their changes live in their rows.
    expect([...r.durable.keys()].filter((k) => k.startsWith('decision:'))).toEqual(['decision:7']);
    const restarted = r.restart();
    expect(restarted.state.history.fromSlot).toBe(1);
    expect(changes(restarted.state)).toEqual(changes(r.state));
    expect(changes(restarted.state)).toHaveLength(7);
  });

  it('a row lost between a step`s commits is written again by recovery', () => {
    const r = new ReplicaHarness();
    r.step(decision(1, batch('a', command(1, put('x', '1')))));
    r.durable.delete('change:1');
    const restarted = r.restart();
    expect(restarted.last.persist.map((op) => (op.op === 'put' ? op.key : op.op))).toEqual([
      'incarnation',
      'change:1',
    ]);
    expect(changes(restarted.state)).toEqual([[revisionOf(1, 0), 'x', '1']]);
  });

  it('a replica that installs a snapshot has no history below it, after a restart too', () => {
    const source = newReplicaState(replicaConfig({ id: 'replica-1' }));
    source.slotOut = 50;
    source.kv.set('x', 'from-source');
    const ask: Message = { type: 'snapshot-request', from: 'replica-0', slotOut: 1 };
    const chunks = replicaRole.step(source, ask, 0).send.map((e) => e.message);
    const r = new ReplicaHarness();
    r.step(decision(1, batch('a', command(1, put('x', '1')))));
    expect(r.state.history.slots.size).toBe(1);
    for (const chunk of chunks) r.step(chunk);
    expect(r.state.slotOut).toBe(50);
    expect(r.state.history.fromSlot).toBe(50);
    expect(r.state.history.slots.size).toBe(0);
    expect(r.last.send.some((e) => e.message.type === 'applied')).toBe(true);
    const restarted = r.restart();
    expect(restarted.state.history.fromSlot).toBe(50);
    expect(restarted.state.history.slots.size).toBe(0);
  });

  it('tells its watch feed after every step that applied slots, and after recovery', () => {
    const r = new ReplicaHarness();
    const applied = (result: { send: Array<{ to: string; message: Message }> }) =>
      result.send.filter((e) => e.message.type === 'applied');
    expect(applied(r.last)).toEqual([
      { to: 'client:watch', message: { type: 'applied', from: 'replica-0', slotOut: 1 } },
    ]);
    expect(applied(r.step(decision(2, batch('b'))))).toEqual([]);
    expect(applied(r.step(decision(1, batch('a'))))).toEqual([
      { to: 'client:watch', message: { type: 'applied', from: 'replica-0', slotOut: 3 } },
    ]);
  });

  it('the largest slot`s change row fits a state write', () => {
    // A decision is at most LIMITS.messageJsonBytesMax; each change is smaller than its command.
    const r = new ReplicaHarness(replicaConfig({ batchMaxCommands: 10 }));
    const value = '"'.repeat(LIMITS.valueJsonBytesMax / 2 - 1);
    const big = command(1, put('k'.repeat(LIMITS.keyCharsMax), value));
    const result = r.step(decision(1, batch('a', big)));
    const row = result.persist.find((op) => op.op === 'put' && op.key === 'change:1');
    expect(row).toBeDefined();
    if (row?.op === 'put') {
      expect(jsonBytes(row.value)).toBeLessThan(jsonBytes(big) + 64);
      expect(jsonBytes(row.value)).toBeLessThanOrEqual(LIMITS.stateWriteJsonBytesMax);
    }
  });
});

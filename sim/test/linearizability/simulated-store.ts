import { type KvStore, type KeyOp, type OpResult, applyOp } from '@paxos/shared';
import type { HistoryOperation } from '../../src/linearizability';

export interface SimulationOptions {
  seed: number;
  clients: number;
  keys: number;
  operations: number;
  /** Share of operations whose reply is lost; half of those never take effect at all. */
  lostReplyRate: number;
}

/** mulberry32: tiny, seeded, good enough to shape test workloads. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Phase = 'idle' | 'invoked' | 'applied';

interface Client {
  id: string;
  phase: Phase;
  atTime: number;
  current?: { record: HistoryOperation; result?: OpResult; lostReply: boolean; applies: boolean };
  /** Last value this client saw per key: what a real client would pass to cas. */
  lastSeen: Map<string, string | null>;
}

const LATENCY_MAX = 8;
const THINK_MAX = 4;

/**
 * A correct store under concurrent clients: each operation takes effect atomically at one
 * instant after its call and no later than its return, so every history it produces is
 * linearizable by construction. Written values are unique, which the stale-read corruption below relies on.
 */
export function simulateCorrectStore(options: SimulationOptions): HistoryOperation[] {
  const random = seededRandom(options.seed);
  const between = (low: number, high: number): number =>
    low + Math.floor(random() * (high - low + 1));
  const store: KvStore = new Map();
  const history: HistoryOperation[] = [];
  const clients: Client[] = Array.from({ length: options.clients }, (_, index) => ({
    id: `client-${index}`,
    phase: 'idle',
    atTime: between(0, THINK_MAX),
    lastSeen: new Map(),
  }));
  let invoked = 0;
  let written = 0;

  const chooseOp = (client: Client): KeyOp => {
    const key = `key-${between(0, options.keys - 1)}`;
    const roll = random();
    if (roll < 0.4) return { kind: 'get', key };
    written += 1;
    const value = `${client.id}:${written}`;
    if (roll < 0.7) return { kind: 'put', key, value };
    if (roll < 0.9) return { kind: 'cas', key, expected: client.lastSeen.get(key) ?? null, value };
    return { kind: 'delete', key };
  };

  while (true) {
    const active = clients.filter((c) => c.phase !== 'idle' || invoked < options.operations);
    const client = active.reduce<Client | undefined>(
      (soonest, c) => (soonest === undefined || c.atTime < soonest.atTime ? c : soonest),
      undefined,
    );
    if (client === undefined) return history;
    const now = client.atTime;
    if (client.phase === 'idle') {
      invoked += 1;
      const lostReply = random() < options.lostReplyRate;
      const record: HistoryOperation = {
        clientId: client.id,
        input: chooseOp(client),
        call: now,
        output: null,
        return: null,
      };
      history.push(record);
      client.current = { record, lostReply, applies: !lostReply || random() < 0.5 };
      client.phase = 'invoked';
      client.atTime = now + between(1, LATENCY_MAX);
    } else if (client.phase === 'invoked') {
      const current = client.current;
      if (current?.applies) current.result = applyOp(store, current.record.input);
      client.phase = 'applied';
      client.atTime = now + between(0, LATENCY_MAX);
    } else {
      const current = client.current;
      if (current?.result !== undefined && !current.lostReply) {
        current.record.output = current.result;
        current.record.return = now;
        client.lastSeen.set(
          current.record.input.key,
          valueAfter(current.record.input, current.result),
        );
      }
      client.current = undefined;
      client.phase = 'idle';
      client.atTime = now + between(0, THINK_MAX);
    }
  }
}

/** What the client now believes the key holds. */
function valueAfter(op: KeyOp, result: OpResult): string | null {
  switch (op.kind) {
    case 'put':
      return op.value;
    case 'delete':
      return null;
    default:
      return result.value;
  }
}

const isEffectiveWrite = (op: HistoryOperation): boolean =>
  op.output !== null &&
  (op.input.kind === 'put' ||
    op.input.kind === 'delete' ||
    (op.input.kind === 'cas' && op.output.ok));

const writtenValue = (op: HistoryOperation): string | null =>
  op.input.kind === 'put' || op.input.kind === 'cas' ? op.input.value : null;

/**
 * Makes one completed read in the second half return a stale value: one written by W1 where
 * W1 finished before another completed write W2 started, and W2 finished before the read
 * started. Values are unique, so no order can show that value to the read: the result is
 * non-linearizable for certain, independently of the checker under test.
 */
export function corruptOneRead(history: readonly HistoryOperation[]): {
  history: HistoryOperation[];
  index: number;
  key: string;
  staleValue: string;
} {
  for (let index = Math.floor(history.length / 2); index < history.length; index += 1) {
    const read = history[index];
    if (read?.input.kind !== 'get' || read.output === null) continue;
    const writes = history.filter((op) => op.input.key === read.input.key && isEffectiveWrite(op));
    const stale = writes
      .filter((w1) => writtenValue(w1) !== null && w1.return !== null)
      .filter((w1) =>
        writes.some(
          (w2) =>
            w2.return !== null &&
            w1.return !== null &&
            w1.return < w2.call &&
            w2.return < read.call,
        ),
      )
      .sort((a, b) => (b.return ?? 0) - (a.return ?? 0))[0];
    const staleValue = stale === undefined ? null : writtenValue(stale);
    if (staleValue === null || staleValue === read.output.value) continue;
    const corrupted = history.map((op) => ({ ...op }));
    corrupted[index] = { ...read, output: { ok: true, value: staleValue } };
    return { history: corrupted, index, key: read.input.key, staleValue };
  }
  throw new Error('no read in the second half can be made stale');
}

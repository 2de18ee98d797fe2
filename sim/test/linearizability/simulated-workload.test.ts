import { performance } from 'node:perf_hooks';
import { checkLinearizable } from '../../src/linearizability';
import { corruptOneRead, simulateCorrectStore } from './simulated-store';

const SEED = 20240611;
const workload = { seed: SEED, clients: 10, keys: 5, operations: 2_000, lostReplyRate: 0.02 };
/** Generous for a loaded 2-core machine; a typical run takes a small fraction of this. */
const BUDGET_MS = 5_000;

function timed<T>(run: () => T): { value: T; elapsedMs: number } {
  const start = performance.now();
  const value = run();
  return { value, elapsedMs: performance.now() - start };
}

describe(`a simulated correct store (seed ${SEED})`, () => {
  const history = simulateCorrectStore(workload);

  it('produces the workload asked for', () => {
    expect(history).toHaveLength(workload.operations);
    expect(new Set(history.map((op) => op.input.key)).size).toBe(workload.keys);
    expect(history.some((op) => op.output === null)).toBe(true);
    expect(history.some((op) => op.input.kind === 'cas' && op.output?.ok === true)).toBe(true);
    expect(history.some((op) => op.input.kind === 'cas' && op.output?.ok === false)).toBe(true);
  });

  it('is linearizable, and checked quickly', () => {
    const { value: result, elapsedMs } = timed(() => checkLinearizable(history));
    expect(result).toMatchObject({ linearizable: true, keysChecked: workload.keys });
    expect(elapsedMs).toBeLessThan(BUDGET_MS);
  });

  it('is found non-linearizable with one read made stale, and the read is named', () => {
    const corrupted = corruptOneRead(history);
    const { value: result, elapsedMs } = timed(() => checkLinearizable(corrupted.history));
    expect(result).toMatchObject({ linearizable: false, failingKey: corrupted.key });
    expect(result.explanation).toContain(`It becomes impossible when #${corrupted.index} returns`);
    expect(elapsedMs).toBeLessThan(BUDGET_MS);
  });

  it('answers unknown when the time budget is spent', () => {
    expect(checkLinearizable(history, { timeoutMs: 0 })).toMatchObject({
      linearizable: 'unknown',
      keysChecked: 0,
    });
  });
});

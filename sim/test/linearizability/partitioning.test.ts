import { type HistoryOperation, checkLinearizable } from '../../src/linearizability';
import { done, get, ok, put } from './builders';

/** A write then a read on `key`, by its own client; the read sees `seen`. */
function writeThenRead(key: string, start: number, seen: string | null): HistoryOperation[] {
  return [
    done(`writer-${key}`, [start, start + 10], put(key, `${key}-v`), ok(null)),
    done(`reader-${key}`, [start + 20, start + 30], get(key), ok(seen)),
  ];
}

const keys = Array.from({ length: 10 }, (_, index) => `k${index}`);

describe('checkLinearizable partitions by key', () => {
  it('finds and names the one bad key among many', () => {
    const history = keys.flatMap((key, index) =>
      writeThenRead(key, index * 5, key === 'k7' ? null : `${key}-v`),
    );
    const result = checkLinearizable(history);
    expect(result).toMatchObject({ linearizable: false, failingKey: 'k7', keysChecked: 8 });
    expect(result.explanation).toMatch(/^key "k7": /);
  });

  it('reports the first bad key in sorted order, whatever the history order', () => {
    const history = ['k9', 'k3', 'k5'].flatMap((key) => writeThenRead(key, 0, null));
    expect(checkLinearizable(history)).toMatchObject({ failingKey: 'k3', keysChecked: 1 });
  });

  it('checks every key of a good history', () => {
    const history = keys.flatMap((key, index) => writeThenRead(key, index, `${key}-v`));
    expect(checkLinearizable(history)).toMatchObject({ linearizable: true, keysChecked: 10 });
  });

  it('does not let one key explain another: values are per key', () => {
    const history = [
      done('c1', [0, 10], put('a', 'same'), ok(null)),
      done('c2', [20, 30], get('b'), ok('same')),
    ];
    expect(checkLinearizable(history)).toMatchObject({ linearizable: false, failingKey: 'b' });
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { exitReasonFromLog } from '../src/chaos/exit-reason';

const line = (o: object): string => `${JSON.stringify(o)}\n`;

function logOf(text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'exit-reason-')), 'svc.log');
  writeFileSync(file, text);
  return file;
}

test('the last error before the exit, not one the restarted process wrote after it', () => {
  const before =
    line({ level: 30, msg: 'ready' }) +
    line({ level: 60, msg: 'fatal; exiting', err: 'fenced: a newer incarnation' }) +
    line({ level: 30, msg: 'stopping' });
  const after = line({ level: 50, msg: 'a later error of the next process' });
  const file = logOf(before + after);
  expect(exitReasonFromLog(file, Buffer.byteLength(before))).toBe(
    'fatal; exiting: fenced: a newer incarnation',
  );
  expect(exitReasonFromLog(file, Buffer.byteLength(before + after))).toBe(
    'a later error of the next process',
  );
});

test('without an error line, the last line (a crash that bypassed the logger)', () => {
  const text = line({ level: 30, msg: 'ready' }) + 'RangeError: Maximum call stack size exceeded\n';
  expect(exitReasonFromLog(logOf(text), Buffer.byteLength(text))).toBe(
    'RangeError: Maximum call stack size exceeded',
  );
});

test('null for a missing or empty log', () => {
  expect(exitReasonFromLog('/nonexistent/svc.log', 100)).toBeNull();
  expect(exitReasonFromLog(logOf(''), 0)).toBeNull();
});

/** The test's output: one line per check, and the closing "N passed, N failed". */

const started = Date.now();
let passed = 0;
let failed = 0;

export const elapsed = (): string => `${((Date.now() - started) / 1000).toFixed(1)}s`;

export function check(name: string, ok: boolean, detail = ''): boolean {
  if (ok) passed += 1;
  else failed += 1;
  console.log(`${ok ? 'PASS' : 'FAIL'} ${name}${detail ? ` (${detail})` : ''} [${elapsed()}]`);
  return ok;
}

export function step(what: string): void {
  console.log(`-- ${what} [${elapsed()}]`);
}

export const failures = (): number => failed;

/** Prints the summary; true when every check passed and there was at least one. */
export function summarize(): boolean {
  console.log(`container test finished in ${elapsed()}`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0;
}

#!/usr/bin/env node
// `npm test`: typecheck, lint, then every jest suite. The last line is a plain
// "N passed, N failed, N skipped" (CI reads it); a run that executed no test fails, and
// skipped tests do not count as executed. A test skips itself only for a reason it prints
// (the dashboard's browser test without chromium outside CI; SKIP_BROWSER_TESTS=1).
// Skipped tests are listed, then failed ones with the first line of their message.
// Extra arguments go to jest (e.g. `npm test -- shared`).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const jestArgs = process.argv.slice(2);
const skipStatic = process.env.SKIP_STATIC_CHECKS === '1';
let passed = 0;
let failed = 0;
let skipped = 0;

function run(label, cmd, args, extraEnv = {}) {
  const started = Date.now();
  console.log(`\n== ${label}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...extraEnv },
  });
  const ok = r.status === 0;
  console.log(
    `== ${label}: ${ok ? 'ok' : `FAILED (exit ${r.status ?? r.signal})`} in ${((Date.now() - started) / 1000).toFixed(1)}s`,
  );
  return ok;
}

if (!skipStatic) {
  for (const [label, args] of [
    ['typecheck', ['tsc', '-p', 'tsconfig.json', '--noEmit']],
    ['typecheck deploy/', ['tsc', '-p', 'deploy/tsconfig.json', '--noEmit']],
    ['lint', ['eslint', '.']],
  ]) {
    if (run(label, 'npx', args)) passed += 1;
    else failed += 1;
  }
}

const resultsDir = path.join(root, 'test-results');
mkdirSync(resultsDir, { recursive: true });
const jsonFile = path.join(resultsDir, 'jest.json');
if (existsSync(jsonFile)) rmSync(jsonFile);
// PGlite loads its WebAssembly with a dynamic import, which jest's VM needs this flag for.
run('jest', 'npx', ['jest', '--json', `--outputFile=${jsonFile}`, ...jestArgs], {
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules --no-warnings`.trim(),
});

let jestRan = 0;
if (existsSync(jsonFile)) {
  const report = JSON.parse(readFileSync(jsonFile, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  // Jest counts `it.skip` (and tests left out by `-t`) as pending, `it.todo` as todo.
  skipped += report.numPendingTests + report.numTodoTests;
  for (const s of report.testResults) {
    for (const a of s.assertionResults) {
      if (a.status !== 'pending' && a.status !== 'todo') continue;
      console.log(`skipped: ${path.relative(root, s.name)}: ${a.fullName}`);
    }
  }
  // The failures last, next to the summary line, so a log cut to its tail still names them.
  for (const s of report.testResults) {
    for (const a of s.assertionResults) {
      if (a.status !== 'failed') continue;
      // The first line of the failure, and what was received when jest says so.
      const message = (a.failureMessages[0] ?? '').replace(/\u001b\[[0-9;]*m/g, '');
      const failureLines = message.split('\n').map((l) => l.trim());
      const first = failureLines.find((l) => l !== '') ?? '';
      const received = failureLines.find((l) => l.startsWith('Received'));
      const why = received ? `${first} (${received})` : first;
      console.log(
        `failed: ${path.relative(root, s.name)}: ${a.fullName}: ${why.trim().slice(0, 300)}`,
      );
    }
  }
  jestRan = report.numPassedTests + report.numFailedTests;
  // A suite that fails to load (syntax error, missing module) has no failed test of its own.
  const brokenSuites = report.testResults.filter(
    (s) => s.status === 'failed' && s.assertionResults.every((a) => a.status !== 'failed'),
  );
  for (const s of brokenSuites) console.log(`suite failed to run: ${path.relative(root, s.name)}`);
  failed += brokenSuites.length;
} else {
  console.log('jest wrote no report');
  failed += 1;
}
if (jestRan === 0) {
  console.log('no test was executed');
  failed += 1;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed === 0 ? 0 : 1);

/**
 * `npm run soak -- --minutes N [--seed N] [--clients N] [--sample-seconds S] [--faults a,b] ...`
 *
 * A long steady run that shows memory, queue tables and state stay bounded: paced clients on
 * a fixed key space (16 shared keys, one of each client's own) while the nemesis applies faults
 * at low intensity; every sample interval it records each process's RSS and JS heap, the
 * queue and dead-letter tables, durable_state per owner, the replicas' sessions and response
 * cache and the acceptors' accepted slots. It fails if a series' maximum over the last 10
 * minutes exceeds 1.2 times its maximum over minutes 5-15 (windows scaled for runs under 30
 * minutes), or if anything is lost. Writes test-results/soak-<timestamp>.json and .svg.
 * Last line: `soak: passed` or `soak: FAILED (...)`.
 */
import 'dotenv/config';
import path from 'node:path';
import { REPO_ROOT } from '../fleet/topology';
import { parseSoakArgs, UsageError, USAGE } from './args';
import { writeSoakReport } from './report';
import { runSoak, type SoakResult, type SoakSettings } from './soak-run';
import { startSoakTarget } from './target';

const LINEARIZABILITY_BUDGET_MS = 60_000;
/** The fixed key space: these, and one key of each client's own. */
const SHARED_KEYS = 16;

async function main(argv: string[]): Promise<number> {
  const args = parseSoakArgs(argv);
  const settings: SoakSettings = {
    minutes: args.minutes,
    sampleSeconds: args.sampleSeconds,
    seed: args.seed,
    workload: { clients: args.clients, sharedKeys: SHARED_KEYS, pauseMs: args.pauseMs },
    linearizabilityBudgetMs: LINEARIZABILITY_BUDGET_MS,
  };
  const startedAt = new Date();
  const started = await startSoakTarget({ faults: args.faults, seed: args.seed });
  let result: SoakResult;
  try {
    console.log(
      `soak: seed ${args.seed}, ${args.minutes} min, ${args.clients} clients pausing ~${args.pauseMs} ms, a sample every ${args.sampleSeconds} s, storage ${started.storage}, faults ${started.faultKinds.join(',') || 'none'}; logs in ${started.logDir}`,
    );
    result = await runSoak(started.target, settings, (line) => console.log(line));
  } finally {
    await started.down();
  }
  const files = await writeSoakReport(
    path.join(REPO_ROOT, 'test-results'),
    startedAt,
    { ...settings, storage: started.storage, faultKinds: started.faultKinds },
    result,
  );
  printSummary(result);
  console.log(
    `soak: report ${path.relative(REPO_ROOT, files.json)}, chart ${path.relative(REPO_ROOT, files.svg)}`,
  );
  const failed = result.failures.length;
  console.log(failed === 0 ? 'soak: passed' : `soak: FAILED (${result.failureSummary})`);
  return failed === 0 ? 0 : 1;
}

function printSummary(r: SoakResult): void {
  const { judgement, final } = r;
  const judged = judgement.verdicts.length;
  console.log(`soak: growth judged on ${judged} series, ${judgement.note}`);
  for (const v of judgement.failures) console.log(`  FAILED ${v.line}`);
  console.log(
    `soak: ${r.load.acknowledged} commands acknowledged, ${r.load.unanswered} unanswered; faults ${JSON.stringify(r.faults)}`,
  );
  if ('error' in final) {
    console.log(`soak: final check did not complete: ${final.error}`);
    return;
  }
  const lin = final.linearizability;
  console.log(
    `soak: replicas ${final.replicas} -> ${final.converged ? 'converged' : 'NOT converged'}; lost writes ${final.lost.length}; unread keys ${final.unread.length}`,
  );
  console.log(
    `soak: linearizability ${lin.linearizable} (a ${LINEARIZABILITY_BUDGET_MS / 1000} s budget, ${lin.keysChecked} keys checked${lin.linearizable === 'unknown' ? '; running out is not a failure, the lost-write check above still holds' : ''})`,
  );
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n${USAGE}`);
      process.exit(2);
    }
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    console.log(`soak: FAILED (${err instanceof Error ? err.message : String(err)})`);
    process.exit(1);
  },
);

import { LIMITS } from '@paxos/shared';
import { CliUsageError, USAGE, extraFlags, parseArgs, type CliArgs } from './cli/args';
import { reproduceCommand, runSeed } from './run/run-seed';
import type { SimOptionsOverride } from './run/sim-options';
import type { SimResult } from './run/sim-result';

/**
 * `npm run sim`: runs seeds, prints one line per failing seed with the command that replays
 * it, progress every 50 seeds, and as the last line `seeds: N, violations: M`.
 * Exits 1 when any seed found a violation, 2 on bad arguments.
 */
const PROGRESS_EVERY_SEEDS = 50;

function main(argv: readonly string[]): number {
  let args: CliArgs;
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof CliUsageError)) throw err;
    console.error(`${err.message}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const override: SimOptionsOverride = {
    volatileAcceptors: args.volatileAcceptors,
    oversizedCommits: args.oversizedCommits,
    broken: args.broken,
  };
  if (args.adversaries !== null) override.adversaries = args.adversaries;
  if (args.reconfigure !== null) override.reconfigure = args.reconfigure;
  if (args.clients !== null) override.clients = args.clients;
  if (args.opsPerClient !== null) override.opsPerClient = args.opsPerClient;
  if (args.acceptors !== null) override.acceptors = args.acceptors;
  if (args.leaders !== null) override.leaders = args.leaders;
  if (args.replicas !== null) override.replicas = args.replicas;
  const log = args.verbose ? (line: string): void => console.log(line) : null;

  const startedMs = Date.now();
  let violations = 0;
  let undecided = 0;
  let collectedSeeds = 0;
  let highestCollected = 1;
  let p1bMaxPValues = 0;
  let adversarialSeeds = 0;
  let messageMaxJsonBytes = 0;
  let stateWriteMaxJsonBytes = 0;
  const totals = { refusedAtBoundary: 0, conflicts: 0, unknownOutcomes: 0, quotaRefusals: 0 };
  const probes = { sent: 0, original: 0, refused: 0, ranAgain: 0 };
  const membership = {
    seeds: 0,
    reconfigurations: 0,
    stopped: 0,
    outages: 0,
    outageCollections: 0,
    outagesBehind: 0,
    outagesBySnapshot: 0,
    behindSent: 0,
    snapshotsInstalled: 0,
    scenarios: new Map<string, number>(),
  };
  for (let n = 0; n < args.seeds; n++) {
    const seed = args.firstSeed + n;
    const result = runSeed(seed, override, log);
    if (result.stats.linearizabilityUnknown) undecided++;
    if (result.stats.collectedBelow > 1) collectedSeeds++;
    highestCollected = Math.max(highestCollected, result.stats.collectedBelow);
    p1bMaxPValues = Math.max(p1bMaxPValues, result.stats.p1bMaxPValues);
    if (Object.values(result.adversaries).some(Boolean)) adversarialSeeds++;
    messageMaxJsonBytes = Math.max(messageMaxJsonBytes, result.stats.messageMaxJsonBytes);
    stateWriteMaxJsonBytes = Math.max(stateWriteMaxJsonBytes, result.stats.stateWriteMaxJsonBytes);
    for (const key of Object.keys(totals) as Array<keyof typeof totals>) {
      totals[key] += result.stats[key];
    }
    probes.sent += result.stats.probes;
    probes.original += result.stats.probesAnsweredOriginal;
    probes.refused += result.stats.probesRefused;
    probes.ranAgain += result.stats.probesRanAgain;
    const s = result.stats;
    if (s.scenario !== null) {
      membership.seeds++;
      membership.scenarios.set(s.scenario, (membership.scenarios.get(s.scenario) ?? 0) + 1);
    }
    membership.reconfigurations += s.reconfigurations;
    membership.stopped += s.membersStopped;
    membership.outages += s.outages;
    membership.outageCollections += s.outageCollections;
    membership.outagesBehind += s.outagesBehindHorizon;
    membership.outagesBySnapshot += s.outagesCaughtUpBySnapshot;
    membership.behindSent += s.behindSent;
    membership.snapshotsInstalled += s.snapshotsInstalled;
    if (result.violation !== null) {
      violations++;
      console.log(describeFailure(result, extraFlags(args)));
    }
    if (args.seeds === 1) console.log(describeRun(result));
    else if ((n + 1) % PROGRESS_EVERY_SEEDS === 0 && n + 1 < args.seeds) {
      const seconds = ((Date.now() - startedMs) / 1000).toFixed(1);
      console.log(`progress: ${n + 1}/${args.seeds} seeds, ${violations} violations, ${seconds}s`);
    }
  }
  if (undecided > 0) {
    console.log(`linearizability: the checker ran out of budget on ${undecided} seed(s)`);
  }
  const seconds = ((Date.now() - startedMs) / 1000).toFixed(1);
  console.log(
    `garbage collection: ${collectedSeeds}/${args.seeds} seeds collected (highest horizon ` +
      `${highestCollected}, largest p1b ${p1bMaxPValues} pvalues); ${seconds}s`,
  );
  console.log(
    `adversaries: ${adversarialSeeds}/${args.seeds} seeds; ${totals.refusedAtBoundary} refused at ` +
      `the boundary, ${totals.conflicts} 409, ${totals.unknownOutcomes} 410, ` +
      `${totals.quotaRefusals} over quota; ${probes.sent} reused or late numbers sent: ` +
      `${probes.original} answered as first run, ${probes.refused} refused, ${probes.ranAgain} ran again`,
  );
  const scenarios = [...membership.scenarios]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, n]) => `${name} ${n}`)
    .join(', ');
  console.log(
    `reconfiguration: ${membership.seeds}/${args.seeds} seeds (${scenarios || 'none'}); ` +
      `${membership.reconfigurations} configurations in force, ${membership.stopped} members ` +
      `stopped for good; ${membership.outages} replica outages through ` +
      `${membership.outageCollections} collections (${membership.outagesBehind} came back below ` +
      `the horizon, ${membership.outagesBySnapshot} of them caught up by snapshot); ` +
      `${membership.behindSent} behind sent, ${membership.snapshotsInstalled} snapshots installed`,
  );
  console.log(
    `limits: largest message ${messageMaxJsonBytes} JSON bytes (max ${LIMITS.messageJsonBytesMax}), ` +
      `largest durable value ${stateWriteMaxJsonBytes} (max ${LIMITS.stateWriteJsonBytesMax})`,
  );
  console.log(`seeds: ${args.seeds}, violations: ${violations}`);
  return violations === 0 ? 0 : 1;
}

/** One line: the seed, what broke, and the command that replays it. */
function describeFailure(result: SimResult, flags: string[]): string {
  const v = result.violation;
  if (v === null) return '';
  const at = result.violationAtMs === null ? '' : ` at ${result.violationAtMs}ms`;
  const oneLine = v.message.replace(/\s*\n\s*/g, ' | ');
  return `seed ${result.seed}${at}: ${oneLine} -- reproduce: ${reproduceCommand(result, flags)}`;
}

function describeRun(result: SimResult): string {
  const s = result.stats;
  return [
    `seed ${result.seed}${result.volatileAcceptors ? ' (volatile acceptors)' : ''}: ` +
      `${result.violation === null ? 'ok' : 'VIOLATION'}`,
    `  adversaries: ${describeAdversaries(result)}`,
    `  digest ${result.digest}`,
    `  ${s.events} events over ${s.endMs} simulated ms; ${s.answered}/${s.commands} commands ` +
      `answered; replicas at slotOut ${s.slotOut}`,
    `  faults: ${s.crashes} crashes, ${s.restarts} restarts, ${s.partitions} partitions; ` +
      `${s.messagesSent} messages sent, ${s.messagesDropped} dropped, ${s.messagesDuplicated} ` +
      `duplicated, ${s.messagesCut} cut by partitions, ${s.messagesToDownProcess} lost to crashed processes`,
    `  garbage collection: acceptors collected below ${s.collectedBelow}; largest p1b ` +
      `${s.p1bMaxPValues} pvalues` +
      (s.linearizabilityUnknown ? '\n  linearizability: unknown (checker budget ran out)' : ''),
    `  clients: ${s.sessionsRegistered} sessions; ${s.refusedAtBoundary} refused at the boundary, ` +
      `${s.conflicts} 409, ${s.unknownOutcomes} 410, ${s.quotaRefusals} over quota; ` +
      `${s.probes} reused or late numbers sent (${s.probesAnsweredOriginal} answered as first ` +
      `run, ${s.probesRefused} refused, ${s.probesRanAgain} ran again)`,
    `  limits: largest message ${s.messageMaxJsonBytes} JSON bytes, largest durable value ` +
      `${s.stateWriteMaxJsonBytes}`,
    `  reconfiguration: ${s.scenario ?? 'none'}, ending in ${s.finalConfiguration}; ` +
      `${s.reconfigurations} configurations in force, ` +
      `${s.membersStopped} members stopped for good, ${s.outages} outages through ` +
      `${s.outageCollections} collections (${s.outagesBehindHorizon} below the horizon, ` +
      `${s.outagesCaughtUpBySnapshot} caught up by snapshot); ${s.behindSent} behind sent, ` +
      `${s.snapshotsInstalled} snapshots installed`,
  ].join('\n');
}

function describeAdversaries(result: SimResult): string {
  const on = Object.entries(result.adversaries)
    .filter(([, enabled]) => enabled)
    .map(([name]) => name);
  return on.length === 0 ? 'none' : on.join(', ');
}

// `npm run sim -- --seed 1 --verbose | head` closes the pipe early: stop quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

process.exitCode = main(process.argv.slice(2));

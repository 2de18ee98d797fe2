#!/usr/bin/env -S npx tsx
/**
 * paxos-kv: the key-value store of a durable-paxos fleet from the shell (also
 * `npm run kv -- ...`). One command per run; see HELP and docs/client.md.
 */
import { parseArgs } from 'node:util';
import { PaxosClient } from './client';
import type { ReadOptions } from './types';
import { UsageError, resolveTarget } from './cli-config';
import { EXIT, exitCodeOf } from './cli-exit';
import { generateKey, keyEntry, type Access } from './cli-keygen';

const HELP = `usage: paxos-kv [options] <command>

commands:
  put <key> <value>              write a value
  get <key> [--serializable]     print the value (nothing and exit 3 when absent);
                                 --serializable: from the replica at once, maybe stale
  delete <key>                   remove a key
  cas <key> <expected> <new>     write <new> only if the value is <expected>
  cas <key> --absent <new>       write <new> only if the key is absent (exit 3 otherwise)
  list [--prefix p | --start a --end b] [--limit n] [--serializable]
                                 print "key<TAB>value" lines in key order
  watch [--prefix p] [--from revision]
                                 print each change as a JSON line until interrupted
  keygen --access read|write [--prefix p] [--name n]
                                 make a client key and its CLIENT_KEYS entry (no fleet needed)

options:
  --endpoints URL[,URL...]  replicas (else PAXOS_ENDPOINTS, else .fleet/run/fleet.json)
  --key KEY                 API key (else PAXOS_KEY, else the local fleet's clientKey)
  --json                    print the whole answer as JSON
  --timeout MS              give up after this long (default 30000)
  -h, --help                this text

exit codes:
  0 ok   1 usage   2 refused (4xx)   3 not found / cas mismatch
  4 unavailable or timed out (nothing written)   5 a write's outcome is unknown
`;

const OPTIONS = {
  endpoints: { type: 'string' },
  key: { type: 'string' },
  json: { type: 'boolean' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  absent: { type: 'boolean' },
  serializable: { type: 'boolean' },
  prefix: { type: 'string' },
  start: { type: 'string' },
  end: { type: 'string' },
  limit: { type: 'string' },
  from: { type: 'string' },
  access: { type: 'string' },
  name: { type: 'string' },
} as const;

type Flags = ReturnType<typeof parse>['values'];

function parse(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

const out = (line: string) => process.stdout.write(`${line}\n`);

function args(positionals: string[], n: number, shape: string): string[] {
  if (positionals.length !== n) throw new UsageError(`usage: paxos-kv ${shape}`);
  return positionals;
}

function integer(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new UsageError(`--${flag}: a whole number, not ${text}`);
  return n;
}

function keygen(flags: Flags): number {
  const access = flags.access;
  if (access !== 'read' && access !== 'write') {
    throw new UsageError('usage: paxos-kv keygen --access read|write [--prefix p] [--name n]');
  }
  const key = generateKey();
  const name = flags.name ?? `${access}-${key.slice(4, 12).replace(/[^A-Za-z0-9]/g, 'x')}`;
  const entry = keyEntry(name, access as Access, key, flags.prefix);
  if (flags.json) out(JSON.stringify({ key, entry }));
  else {
    out(`key:   ${key}`);
    out(`entry: ${entry}`);
    process.stderr.write(
      "Give the key to the application (PAXOS_KEY); add the entry to the replicas' CLIENT_KEYS.\n" +
        'The key is shown once: the replicas keep only its hash.\n',
    );
  }
  return EXIT.ok;
}

/** `--serializable`: a read answered at once by the replica reached (docs/reads.md). */
const readOptions = (flags: Flags): ReadOptions =>
  flags.serializable === true ? { consistency: 'serializable' } : {};

async function run(
  client: PaxosClient,
  command: string,
  rest: string[],
  flags: Flags,
): Promise<number> {
  const json = flags.json === true;
  switch (command) {
    case 'put': {
      const [key, value] = args(rest, 2, 'put <key> <value>') as [string, string];
      const r = await client.put(key, value);
      if (json) out(JSON.stringify({ key, ...r }));
      return EXIT.ok;
    }
    case 'get': {
      const [key] = args(rest, 1, 'get <key>') as [string];
      const r = await client.get(key, readOptions(flags));
      if (json) out(JSON.stringify({ key, ...r }));
      else if (r.value !== null) out(r.value);
      return r.value === null ? EXIT.notFound : EXIT.ok;
    }
    case 'delete': {
      const [key] = args(rest, 1, 'delete <key>') as [string];
      const r = await client.delete(key);
      if (json) out(JSON.stringify({ key, ...r }));
      return EXIT.ok;
    }
    case 'cas': {
      const [key, expected, value] = flags.absent
        ? [...args(rest, 2, 'cas <key> --absent <new>').slice(0, 1), null, rest[1]!]
        : (args(rest, 3, 'cas <key> <expected> <new>') as [string, string, string]);
      const r = await client.cas(key!, expected ?? null, value!);
      if (json) out(JSON.stringify({ key, ...r }));
      return r.ok ? EXIT.ok : EXIT.notFound;
    }
    case 'list': {
      args(rest, 0, 'list [--prefix p | --start a --end b] [--limit n]');
      if (flags.prefix !== undefined && (flags.start !== undefined || flags.end !== undefined)) {
        throw new UsageError('list: --prefix or --start/--end, not both');
      }
      const range =
        flags.prefix !== undefined
          ? { prefix: flags.prefix }
          : {
              ...(flags.start !== undefined ? { start: flags.start } : {}),
              ...(flags.end !== undefined ? { end: flags.end } : {}),
            };
      const limit = integer('limit', flags.limit);
      const r = await client.list(range, {
        ...readOptions(flags),
        ...(limit === undefined ? {} : { limit }),
      });
      if (json) out(JSON.stringify(r));
      else {
        for (const e of r.entries) out(`${e.key}\t${e.value}`);
        if (r.more)
          process.stderr.write('(more keys: raise --limit, or list from the last key shown)\n');
      }
      return EXIT.ok;
    }
    case 'watch': {
      args(rest, 0, 'watch [--prefix p] [--from revision]');
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      process.once('SIGTERM', () => stop.abort());
      const from = integer('from', flags.from);
      const changes = client.watch({
        ...(flags.prefix !== undefined ? { prefix: flags.prefix } : {}),
        ...(from !== undefined ? { from } : {}),
        signal: stop.signal,
      });
      for await (const change of changes) out(JSON.stringify(change));
      return EXIT.ok;
    }
    default:
      throw new UsageError(
        `unknown command ${JSON.stringify(command)} (paxos-kv --help lists them)`,
      );
  }
}

async function main(argv: string[]): Promise<number> {
  const { values: flags, positionals } = parse(argv);
  const [command, ...rest] = positionals;
  if (flags.help || command === undefined) {
    process.stdout.write(HELP);
    return flags.help ? EXIT.ok : EXIT.usage;
  }
  if (command === 'keygen') return keygen(flags);
  const target = resolveTarget(flags, process.env, process.cwd());
  const timeoutMs = integer('timeout', flags.timeout);
  const client = new PaxosClient({
    endpoints: target.endpoints,
    ...(target.apiKey !== undefined ? { apiKey: target.apiKey } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  });
  try {
    return await run(client, command, rest, flags);
  } finally {
    client.close();
  }
}

// A reader that stops early (`paxos-kv watch | head -3`) closes the pipe: that ends the run
// quietly, as it does for other Unix tools, instead of an unhandled EPIPE.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`paxos-kv: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = exitCodeOf(err);
  },
);

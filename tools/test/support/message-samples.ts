import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROTOCOL_FIELD, UNVERSIONED_PROTOCOL } from '@paxos/shared';
import type { QueuedSend } from './recording-proxy';

/**
 * The messages a fleet sent, one sample per sending version, type and shape (the set of key
 * paths, so a nested field such as a ballot's epoch makes a shape of its own): every kind of
 * message, a handful of each, however long the run.
 */
export interface MessageSample {
  version: number;
  type: string;
  shape: string;
  from: string;
  payload: string;
}

export class MessageSamples {
  private readonly samples = new Map<string, MessageSample>();
  readonly counts = new Map<string, number>();

  add(sends: readonly QueuedSend[]): void {
    for (const send of sends) {
      const json = JSON.parse(send.payload) as Record<string, unknown>;
      const stamp = json[PROTOCOL_FIELD];
      const version = typeof stamp === 'number' ? stamp : UNVERSIONED_PROTOCOL;
      const type = String(json.type);
      const tally = `v${version} ${type}`;
      this.counts.set(tally, (this.counts.get(tally) ?? 0) + 1);
      const shape = [...keyPaths(json, '', new Set())].sort().join(' ');
      const key = `${tally} ${shape}`;
      if (!this.samples.has(key)) {
        this.samples.set(key, { version, type, shape, from: send.from, payload: send.payload });
      }
    }
  }

  of(version: number): MessageSample[] {
    return [...this.samples.values()].filter((s) => s.version === version);
  }
}

function keyPaths(value: unknown, prefix: string, into: Set<string>): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) keyPaths(item, `${prefix}[]`, into);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, inner] of Object.entries(value)) {
      const at = prefix === '' ? key : `${prefix}.${key}`;
      into.add(at);
      keyPaths(inner, at, into);
    }
  }
  return into;
}

export type ParseOutcome = { ok: true; message: unknown } | { ok: false; reason: string };

/**
 * Parses payloads with the message schemas of the source tree at `root` (an earlier version's),
 * in a process of its own: what a member of that version makes of them.
 */
export function parseWithTree(root: string, payloads: readonly string[]): ParseOutcome[] {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'paxos-parse-'));
  try {
    const input = path.join(scratch, 'payloads.json');
    writeFileSync(input, JSON.stringify(payloads));
    const script = path.join(root, 'parse-payloads.ts');
    writeFileSync(
      script,
      [
        "import { readFileSync } from 'node:fs';",
        "import { parseMessage } from './shared/src/messages';",
        "const payloads: string[] = JSON.parse(readFileSync(process.argv[2]!, 'utf8'));",
        'process.stdout.write(JSON.stringify(payloads.map((p) => parseMessage(JSON.parse(p)))));',
        '',
      ].join('\n'),
    );
    const out = execFileSync(process.execPath, ['--import', 'tsx', script, input], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    return JSON.parse(out) as ParseOutcome[];
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

import type { Op, OpResult } from '@paxos/shared';
import http from 'node:http';

/** One operation as the linearizability checker reads it (Porcupine's field names). */
export interface RecordedOperation {
  clientId: string;
  input: Op;
  call: number;
  output: OpResult | null;
  return: number | null;
}

export interface KvClientOptions {
  clientId: string;
  /** Replica ports; the client starts on one and moves to the next on failure. */
  replicaUrls: string[];
  /** Give up on one command after this long (it stays "unknown" in the history). */
  commandDeadlineMs: number;
  attemptTimeoutMs: number;
  clock: () => number;
  /** Connections to share; the default allows 64 per replica (the benchmark needs more). */
  agent?: http.Agent;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/**
 * A closed-loop key-value client over POST /commands. On a timeout, a 503/504 or a dead
 * replica it retries the SAME requestId on the next replica: the command runs at most
 * once, and the first answer is its result.
 */
export class KvClient {
  private seq = 0;
  private replicaIndex: number;
  readonly history: RecordedOperation[] = [];

  constructor(private readonly o: KvClientOptions) {
    this.replicaIndex = hash(o.clientId) % o.replicaUrls.length;
  }

  async run(op: Op): Promise<{ result: OpResult | null; latencyMs: number }> {
    const requestId = `${++this.seq}`;
    const call = this.o.clock();
    const record: RecordedOperation = {
      clientId: this.o.clientId,
      input: op,
      call,
      output: null,
      return: null,
    };
    this.history.push(record);
    const deadline = call + this.o.commandDeadlineMs;
    let backoffMs = 50;
    while (this.o.clock() < deadline) {
      const url = this.o.replicaUrls[this.replicaIndex % this.o.replicaUrls.length]!;
      const r = await postJson(
        `${url}/commands`,
        { clientId: this.o.clientId, requestId, op },
        this.o.attemptTimeoutMs,
        this.o.agent ?? agent,
      );
      if (r.status === 200) {
        const body = r.body as { result: OpResult };
        record.output = body.result;
        record.return = this.o.clock();
        return { result: body.result, latencyMs: record.return - call };
      }
      if (r.status === 400)
        throw new Error(`replica rejected a command: ${JSON.stringify(r.body)}`);
      // Not answered: another replica may be alive; back off a little so a dead fleet is not hammered.
      this.replicaIndex += 1;
      await new Promise((res) => setTimeout(res, backoffMs));
      backoffMs = Math.min(1_000, backoffMs * 2);
    }
    return { result: null, latencyMs: this.o.clock() - call };
  }
}

function postJson(
  url: string,
  body: unknown,
  timeoutMs: number,
  agent: http.Agent,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve) => {
    const data = JSON.stringify(body);
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            body: parseOrNull(Buffer.concat(chunks).toString('utf8')),
          });
        });
        res.on('error', () => resolve({ status: 0, body: null }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, body: null }));
    req.end(data);
  });
}

function parseOrNull(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) >>> 0;
  return h;
}

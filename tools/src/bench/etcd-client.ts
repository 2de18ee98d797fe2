import type { KeyOp } from '@paxos/shared';
import { Agent, request } from 'undici';
import type { OpRunner, RunnerFactory } from './op-runner';
import { etcdAnswerOf, etcdRequestOf, type EtcdAnswer } from './etcd-json';

/**
 * A small client of etcd's JSON gateway for the load generator, built like the fleet's
 * (fleet-runner.ts): client i talks to member i (mod the members), one keep-alive connection
 * per command in flight, and a command without an answer is retried on the next member with a
 * doubling pause until its 15-second deadline, then counted unanswered. (A retried put may be
 * applied twice; the bench's values do not care.)
 */

const COMMAND_DEADLINE_MS = 15_000;
const ATTEMPT_TIMEOUT_MS = 12_000;

const dispatcher = new Agent({ connections: null });

/** etcd answered a request as malformed: a bug in the bench, not an outcome. */
export class EtcdRefusedError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'EtcdRefusedError';
  }
}

async function attempt(memberUrl: string, op: KeyOp): Promise<EtcdAnswer> {
  const { path, body } = etcdRequestOf(op);
  try {
    const res = await request(`${memberUrl}${path}`, {
      method: 'POST',
      dispatcher,
      headers: { 'content-type': 'application/json' },
      body,
      headersTimeout: ATTEMPT_TIMEOUT_MS,
      bodyTimeout: ATTEMPT_TIMEOUT_MS,
    });
    return etcdAnswerOf(res.statusCode, await res.body.text());
  } catch {
    return etcdAnswerOf(0, null);
  }
}

class EtcdJsonClient implements OpRunner {
  constructor(
    private readonly memberUrls: string[],
    private member: number,
  ) {}

  async run(op: KeyOp): Promise<boolean> {
    const deadline = performance.now() + COMMAND_DEADLINE_MS;
    let pauseMs = 50;
    while (performance.now() < deadline) {
      const answer = await attempt(this.memberUrls[this.member % this.memberUrls.length]!, op);
      if (answer.kind === 'ok') return true;
      if (answer.kind === 'refused') {
        throw new EtcdRefusedError(
          answer.status,
          `etcd refused ${op.kind} ${op.key}: ${answer.status} ${answer.error}`,
        );
      }
      this.member += 1;
      await new Promise((r) => setTimeout(r, Math.min(pauseMs, deadline - performance.now())));
      pauseMs = Math.min(1_000, pauseMs * 2);
    }
    return false;
  }
}

/** Clients of an etcd cluster's members (their client URLs), spread over them by index. */
export function etcdRunners(memberUrls: string[]): RunnerFactory {
  return (index) => new EtcdJsonClient(memberUrls, index);
}

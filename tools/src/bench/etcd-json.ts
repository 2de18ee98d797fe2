import type { KeyOp } from '@paxos/shared';

/**
 * etcd's v3 JSON gateway (grpc-gateway in front of the KV service): keys and values travel as
 * base64 strings, 64-bit numbers as decimal strings. A `range` is linearizable unless it asks
 * for `serializable`, which the bench never does.
 */

export interface EtcdRequest {
  path: '/v3/kv/put' | '/v3/kv/range' | '/v3/kv/deleterange';
  body: string;
}

const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** The gateway request of one key-value command. */
export function etcdRequestOf(op: KeyOp): EtcdRequest {
  switch (op.kind) {
    case 'put':
      return {
        path: '/v3/kv/put',
        body: JSON.stringify({ key: base64(op.key), value: base64(op.value) }),
      };
    case 'get':
      return { path: '/v3/kv/range', body: JSON.stringify({ key: base64(op.key) }) };
    case 'delete':
      return { path: '/v3/kv/deleterange', body: JSON.stringify({ key: base64(op.key) }) };
    case 'cas':
      // A txn with a value compare would do it; no bench load issues one.
      throw new Error('etcd-json: cas is not part of the bench loads');
  }
}

/** What the gateway answered: a value for a range (null: no such key), nothing for the rest. */
export type EtcdAnswer =
  | { kind: 'ok'; revision: number; value: string | null }
  /** The server refused the request itself (4xx): retrying cannot help. */
  | { kind: 'refused'; status: number; error: string }
  /** No answer, or one worth retrying (5xx, an unreadable body). */
  | { kind: 'retry'; status: number; error: string };

interface GatewayBody {
  header?: { revision?: string };
  kvs?: Array<{ value?: string }>;
  error?: string;
  message?: string;
}

/** Reads one gateway answer; status 0 means nothing came back. */
export function etcdAnswerOf(status: number, bodyText: string | null): EtcdAnswer {
  const body = parseOrNull(bodyText);
  const error = body?.error ?? body?.message ?? '';
  if (status === 200 && body?.header) {
    const encoded = body.kvs?.[0]?.value;
    return {
      kind: 'ok',
      revision: Number(body.header.revision ?? 0),
      // A key put with an empty value has no `value` field at all.
      value: body.kvs?.length ? Buffer.from(encoded ?? '', 'base64').toString('utf8') : null,
    };
  }
  // 429 is gRPC's ResourceExhausted ("too many requests"): a busy server, not a bad request.
  if (status >= 400 && status < 500 && status !== 429) return { kind: 'refused', status, error };
  return {
    kind: 'retry',
    status,
    error: error || (status === 0 ? 'no answer' : `status ${status}`),
  };
}

function parseOrNull(text: string | null): GatewayBody | null {
  if (text === null) return null;
  try {
    return JSON.parse(text) as GatewayBody;
  } catch {
    return null;
  }
}

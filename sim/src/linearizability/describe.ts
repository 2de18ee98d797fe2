import type { KeyOp, OpResult } from '@paxos/shared';
import type { KeyOperation } from './key-history';
import type { KeyState } from './key-model';

/** `"a"`, or `absent` for a missing key. */
export const showValue = (value: KeyState): string =>
  value === null ? 'absent' : JSON.stringify(value);

/** `get`, `put "b"`, `delete`, `cas "a" => "b"` (the key is named once, in the heading). */
export function describeInput(op: KeyOp): string {
  switch (op.kind) {
    case 'get':
      return 'get';
    case 'put':
      return `put ${showValue(op.value)}`;
    case 'delete':
      return 'delete';
    case 'cas':
      return `cas ${showValue(op.expected)} => ${showValue(op.value)}`;
  }
}

/** A reply in the words of its operation: what was read, what was overwritten, did cas win. */
export function describeResult(op: KeyOp, result: OpResult): string {
  switch (op.kind) {
    case 'get':
      return showValue(result.value);
    case 'put':
    case 'delete':
      return `was ${showValue(result.value)}`;
    case 'cas':
      return result.ok ? 'ok' : `failed, value was ${showValue(result.value)}`;
  }
}

/** `#12 client-3: put "b" -> was "a"  [40, 55]`; ids index the whole history. */
export function describeOperation(op: KeyOperation): string {
  const reply = op.output === null ? 'no reply' : describeResult(op.input, op.output);
  const interval = `[${op.call}, ${op.return ?? 'no return'}]`;
  return `#${op.id} ${op.clientId}: ${describeInput(op.input)} -> ${reply}  ${interval}`;
}

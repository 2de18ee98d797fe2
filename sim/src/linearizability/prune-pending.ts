import type { KeyOperation } from './key-history';

/**
 * Drops pending operations (no reply) that no completed operation can depend on, because
 * every one of them otherwise stays a free choice ("placed here, or later, or never") that
 * doubles the search space until the history ends. Two kinds can go:
 *
 * - a pending get: it never changes the value, and its reply is unknown;
 * - a pending put or cas whose written value nobody observes. Every completed op's reply
 *   reveals the value it found (a get's value, a put's or delete's previous value, a failed
 *   cas's current value, a successful cas's `expected`). So if the value written is never
 *   mentioned, no completed op can come straight after the write; only pending ops can,
 *   until a blind write (put, delete) replaces it. Leaving the write out (together with any
 *   pending cas that failed against it) yields a linearization with the same replies.
 *
 * The observed set is deliberately generous (any cas's `expected` counts, even a pending
 * one), which keeps the argument simple and only ever keeps more ops than needed.
 */
export function withoutIrrelevantPendingOps(ops: readonly KeyOperation[]): KeyOperation[] {
  const observed = new Set<string | null>();
  for (const op of ops) {
    if (op.output !== null) observed.add(op.output.value);
    if (op.input.kind === 'cas') observed.add(op.input.expected);
  }
  return ops.filter((op) => {
    if (op.output !== null) return true;
    switch (op.input.kind) {
      case 'get':
        return false;
      case 'put':
      case 'cas':
        return observed.has(op.input.value);
      case 'delete':
        return true;
    }
  });
}

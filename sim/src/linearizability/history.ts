import { KeyOpSchema, OpResultSchema } from '@paxos/shared';
import { z } from 'zod';

/**
 * One client operation as observed from outside the cluster (Porcupine's field names).
 * `output: null, return: null` means the client never got a reply: the operation may have
 * taken effect at any time after `call`, or never.
 */
export const HistoryOperationSchema = z
  .object({
    clientId: z.string().min(1),
    // Operations on one key only: the checker splits a history by key (key-history.ts).
    input: KeyOpSchema,
    call: z.number(),
    output: OpResultSchema.nullable(),
    return: z.number().nullable(),
  })
  .superRefine((op, ctx) => {
    if ((op.output === null) !== (op.return === null)) {
      ctx.addIssue({
        code: 'custom',
        path: ['return'],
        message: 'output and return must both be null (no reply) or both be set',
      });
    }
    if (op.return !== null && op.return < op.call) {
      ctx.addIssue({
        code: 'custom',
        path: ['return'],
        message: `return ${op.return} is earlier than call ${op.call}`,
      });
    }
  });
export type HistoryOperation = z.infer<typeof HistoryOperationSchema>;

/** A history file is a JSON array of operations, in any order. */
export const HistorySchema = z.array(HistoryOperationSchema);

/** Bad input to the checker: reported to the caller, never a crash deeper in the search. */
export class InvalidHistoryError extends Error {
  override readonly name = 'InvalidHistoryError';
  constructor(
    message: string,
    readonly issues: readonly string[],
  ) {
    super(message);
  }
}

/** Up to this many issues go into the message; all of them stay on `issues`. */
const ISSUES_IN_MESSAGE = 5;

/** Validates an untrusted history; `source` (a file name) only makes the message clearer. */
export function parseHistory(input: unknown, source = 'history'): HistoryOperation[] {
  const parsed = HistorySchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map(
    (issue) => `${describePath(issue.path)}: ${issue.message}`,
  );
  const shown = issues.slice(0, ISSUES_IN_MESSAGE).join('; ');
  const more =
    issues.length > ISSUES_IN_MESSAGE ? ` (and ${issues.length - ISSUES_IN_MESSAGE} more)` : '';
  throw new InvalidHistoryError(`invalid ${source}: ${shown}${more}`, issues);
}

/** `[3, 'input', 'key']` reads as `operation #3 input.key`. */
function describePath(path: readonly PropertyKey[]): string {
  const [index, ...field] = path;
  if (index === undefined) return 'the history';
  const where = `operation #${String(index)}`;
  return field.length === 0 ? where : `${where} ${field.map(String).join('.')}`;
}

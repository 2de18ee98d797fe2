import { z } from 'zod';
import { DataApiResponseError } from './errors';

/** Neurelo's response envelopes: `{"data": ...}` on success, `{"errors": [...]}` otherwise. */

export const SuccessEnvelopeSchema = z
  .object({ data: z.unknown() })
  .refine((body) => 'data' in body, {
    message: 'missing "data"',
  });

export const ErrorEnvelopeSchema = z.object({
  errors: z.array(z.object({ error: z.string(), details: z.unknown().optional() })).min(1),
});

/** The most readable account of a failed answer: the envelope's messages, else a body excerpt. */
export function errorMessagesOf(body: unknown, rawText: string): string[] {
  const envelope = ErrorEnvelopeSchema.safeParse(body);
  if (envelope.success) return envelope.data.errors.map((e) => e.error);
  const excerpt = rawText.trim().slice(0, 200);
  return excerpt === '' ? [] : [excerpt];
}

/** Parses a JSON body; `undefined` when the text is not JSON (an HTML error page from a proxy). */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A short, value-free account of zod issues for error messages. */
export function describeResponseIssues(error: z.ZodError, limit = 5): string {
  return error.issues
    .slice(0, limit)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}

/** Validates a successful answer's `data` against what the caller expects to read. */
export function parseData<S extends z.ZodType>(
  schema: S,
  data: unknown,
  method: string,
  path: string,
): z.output<S> {
  const result = schema.safeParse(data);
  if (!result.success) {
    // An excerpt of what came instead (rows and messages, never a header): enough to tell a
    // wrong answer from a truncated one.
    const excerpt = JSON.stringify(data)?.slice(0, 240) ?? String(data);
    throw new DataApiResponseError(
      method,
      path,
      `${describeResponseIssues(result.error)} (data began: ${excerpt})`,
    );
  }
  return result.data;
}

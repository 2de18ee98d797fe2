/**
 * A short reason for a failed fetch, fit for a card on the page: `ECONNREFUSED` rather than
 * undici's "fetch failed", whose real reason hides in `cause`.
 */
export function describeFetchFailure(err: unknown, timeoutMs: number): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

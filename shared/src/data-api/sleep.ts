/**
 * Waits `ms`, or less if `signal` aborts first. It never rejects: callers check
 * `signal.aborted` afterwards, which keeps shutdown paths free of try/catch.
 */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const sleepMs: Sleep = (ms, signal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

import type { ServerResponse } from 'node:http';

/**
 * Aborted when the connection closes before the answer was sent (the client gave up), so a long
 * poll stops waiting. Not after a sent answer: nothing waits on the signal by then, and every
 * abort builds a DOMException with a stack trace, which cost about 8 % of the server's CPU.
 */
export function abortedWhenClientGoes(res: ServerResponse): AbortSignal {
  const clientGone = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) clientGone.abort();
  });
  return clientGone.signal;
}

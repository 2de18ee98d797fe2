import { CLIENT_PREFIX, type Response } from '@paxos/shared';
import type { SimClient } from './sim-client';

/**
 * The client an answer sent to `to` (a client destination, `client:<sessionId>`) belongs to, or
 * null: an answer to a registration attempt nobody waits for any more, say. Every registering
 * client shares `client:0`, so those answers go by their request number, which each
 * registration draws at random (as the HTTP shell does for POST /sessions).
 */
export function clientOfAnswer(
  clients: Iterable<SimClient>,
  to: string,
  response: Response,
): SimClient | null {
  const sessionId = Number(to.slice(CLIENT_PREFIX.length));
  if (!Number.isSafeInteger(sessionId)) return null;
  for (const client of clients) {
    if (client.owns(sessionId, response.requestId)) return client;
  }
  return null;
}

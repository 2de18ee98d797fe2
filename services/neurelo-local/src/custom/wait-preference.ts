/**
 * The long-poll request header, RFC 7240 style: `Prefer: wait=<seconds>`. A server may apply
 * less than asked; this one bounds waits at 20 s so a request never outlives common proxy and
 * client timeouts. An absent, zero or malformed preference means "do not wait" (RFC 7240 says
 * to ignore a preference one cannot apply).
 */
export const WAIT_SECONDS_MAX = 20;

export function parseWaitPreference(prefer: string | undefined): number | undefined {
  if (!prefer) return undefined;
  for (const token of prefer.split(/[,;]/)) {
    const match = /^\s*wait\s*=\s*"?(\d+)"?\s*$/i.exec(token);
    if (!match) continue;
    const seconds = Number(match[1]);
    return seconds >= 1 ? Math.min(seconds, WAIT_SECONDS_MAX) : undefined;
  }
  return undefined;
}

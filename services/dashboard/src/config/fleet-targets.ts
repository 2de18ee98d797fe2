import { z } from 'zod';

/** The roles whose services the dashboard scrapes; a target's role is its name's prefix. */
export const ROLES = ['acceptor', 'leader', 'replica'] as const;
export type RoleName = (typeof ROLES)[number];

export interface FleetTarget {
  /** The process id, which is also the queue destination of its messages (`leader-0`). */
  name: string;
  role: RoleName;
  /** Base URL of the service, without a trailing slash. */
  url: string;
}

const NAME_PATTERN = /^[a-z][a-z0-9-]*$/i;
const UrlSchema = z.url({ protocol: /^https?$/ });

/**
 * Reads `acceptor-0=http://acceptor-0:8080,leader-0=http://...` into targets. Returns the
 * problems instead of throwing so the caller can name the variable they came from.
 */
export function parseFleetTargets(
  text: string,
): { ok: true; targets: FleetTarget[] } | { ok: false; problem: string } {
  const entries = text
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e.length > 0);
  if (entries.length === 0) return { ok: false, problem: 'lists no service' };
  const targets: FleetTarget[] = [];
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    const name = eq < 0 ? entry : entry.slice(0, eq).trim();
    const url = eq < 0 ? '' : entry.slice(eq + 1).trim();
    if (eq < 0 || !NAME_PATTERN.test(name)) {
      return {
        ok: false,
        problem: `"${entry}" is not name=url (e.g. leader-0=http://leader-0:8080)`,
      };
    }
    const role = ROLES.find((r) => name.startsWith(r));
    if (!role) {
      return {
        ok: false,
        problem: `${name}: the name must start with acceptor, leader or replica`,
      };
    }
    if (!UrlSchema.safeParse(url).success) {
      return { ok: false, problem: `${name}: "${url}" is not an http(s) URL` };
    }
    if (targets.some((t) => t.name === name)) {
      return { ok: false, problem: `${name} is listed twice` };
    }
    targets.push({ name, role, url: url.replace(/\/+$/, '') });
  }
  return { ok: true, targets };
}

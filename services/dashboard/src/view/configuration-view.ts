import type { FleetTarget, RoleName } from '../config/fleet-targets';
import type { ConfigAnswer, ConfigViewAnswer } from '../scrape/config-answer';

/** A configuration as the page shows it (PMMC section 4: who takes part, from which slot). */
export interface ConfigurationSummary {
  epoch: number;
  /** The first slot it governs. */
  startSlot: number;
  window: number;
  acceptors: string[];
  leaders: string[];
  replicas: string[];
}

/** A configuration decided in the log that does not govern the replicas' next slot yet. */
export interface PendingChange extends ConfigurationSummary {
  /** Members of the pending configuration that are not in the one in force. */
  joining: string[];
  /** Members in force that the pending configuration leaves out. */
  leaving: string[];
  /** Slots between the most advanced replica's slot_out and the pending start; null unknown. */
  slotsToGo: number | null;
}

export interface ConfigurationView {
  /** null until a replica has answered GET /config. */
  inForce: ConfigurationSummary | null;
  pending: PendingChange | null;
  /** The replica whose answer the view shows: the one furthest along the schedule. */
  reportedBy: string | null;
  /** Replicas that answered with an older configuration in force: still catching up. */
  behind: string[];
  /** Members that left: in an earlier configuration, or former members a replica keeps. */
  former: string[];
}

/**
 * How a service stands towards the configuration: a member; joining (in the pending one
 * only); leaving (in force, not in the pending one); former (it was a member once: retire it);
 * outside (never a member yet, e.g. started before the reconfiguration that adds it);
 * unknown while no replica has said.
 */
export type Membership = 'member' | 'joining' | 'leaving' | 'former' | 'outside' | 'unknown';

export interface ReplicaConfig {
  name: string;
  config: ConfigAnswer;
}

export const NO_CONFIGURATION: ConfigurationView = {
  inForce: null,
  pending: null,
  reportedBy: null,
  behind: [],
  former: [],
};

const ROLE_LISTS = { acceptor: 'acceptors', leader: 'leaders', replica: 'replicas' } as const;

/** Ids that can be a host name in a URL; others are shown but not scraped. */
const HOST_NAME_ID = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/;

const membersOf = (c: ConfigurationSummary): string[] => [
  ...c.acceptors,
  ...c.leaders,
  ...c.replicas,
];

function summary(c: ConfigViewAnswer): ConfigurationSummary {
  return {
    epoch: c.epoch,
    startSlot: c.startSlot,
    window: c.window,
    acceptors: [...c.acceptors],
    leaders: [...c.leaders],
    replicas: [...c.replicas],
  };
}

/**
 * The configuration the fleet runs, from the replicas' GET /config. Replicas apply the log at
 * their own pace, so they may disagree for a moment: the one furthest along (highest epoch in
 * force) is shown, and the others are listed as behind. A change decided by any of them is
 * pending until it is in force at the one shown. Pure.
 */
export function buildConfigurationView(answers: ReplicaConfig[]): ConfigurationView {
  if (answers.length === 0) return NO_CONFIGURATION;
  const lead = answers.reduce((best, a) =>
    a.config.inForce.epoch > best.config.inForce.epoch ? a : best,
  );
  const inForce = summary(lead.config.inForce);
  let pendingAnswer: ConfigViewAnswer | null = null;
  for (const { config } of answers) {
    const p = config.pending;
    if (p && p.epoch > inForce.epoch && (!pendingAnswer || p.epoch > pendingAnswer.epoch)) {
      pendingAnswer = p;
    }
  }
  const slotOuts = answers.map((a) => a.config.slotOut).filter((s): s is number => s !== undefined);
  let pending: PendingChange | null = null;
  if (pendingAnswer) {
    const next = summary(pendingAnswer);
    const now = new Set(membersOf(inForce));
    const then = new Set(membersOf(next));
    pending = {
      ...next,
      joining: [...then].filter((id) => !now.has(id)),
      leaving: [...now].filter((id) => !then.has(id)),
      slotsToGo: slotOuts.length > 0 ? Math.max(0, next.startSlot - Math.max(...slotOuts)) : null,
    };
  }
  const current = new Set([...membersOf(inForce), ...(pending ? membersOf(pending) : [])]);
  const former = new Set<string>();
  for (const { config } of answers) {
    const earlier = (config.schedule ?? []).flatMap((entry) => membersOf(summary(entry)));
    for (const id of [...earlier, ...(config.formerMembers ?? [])]) {
      if (!current.has(id)) former.add(id);
    }
  }
  return {
    inForce,
    pending,
    reportedBy: lead.name,
    behind: answers.filter((a) => a.config.inForce.epoch < inForce.epoch).map((a) => a.name),
    former: [...former].sort(),
  };
}

/** How the service `name` of `role` stands towards the configuration (see Membership). */
export function membershipOf(
  name: string,
  role: RoleName,
  configuration: ConfigurationView,
): Membership {
  const { inForce, pending } = configuration;
  if (!inForce) return 'unknown';
  const list = ROLE_LISTS[role];
  if (inForce[list].includes(name)) {
    return pending && !pending[list].includes(name) ? 'leaving' : 'member';
  }
  if (pending?.[list].includes(name)) return 'joining';
  return configuration.former.includes(name) ? 'former' : 'outside';
}

/**
 * The services to scrape: the configured targets, and every member of the configuration in
 * force or pending that they do not list, at `memberUrl` with `{id}` replaced by its id (the
 * member's service name in compose and Kubernetes). A member that left drops out of the
 * discovered ones; a configured target stays, shown as a former member.
 */
export function targetsToScrape(
  configured: readonly FleetTarget[],
  configuration: ConfigurationView,
  memberUrl: string | null,
): FleetTarget[] {
  const { inForce, pending } = configuration;
  if (memberUrl === null || !inForce) return [...configured];
  const known = new Set(configured.map((t) => t.name));
  const discovered: FleetTarget[] = [];
  for (const config of pending ? [inForce, pending] : [inForce]) {
    for (const role of Object.keys(ROLE_LISTS) as RoleName[]) {
      for (const id of config[ROLE_LISTS[role]]) {
        if (known.has(id) || !HOST_NAME_ID.test(id)) continue;
        known.add(id);
        discovered.push({ name: id, role, url: memberUrl.replaceAll('{id}', id) });
      }
    }
  }
  return [...configured, ...discovered];
}

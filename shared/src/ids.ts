import { z } from 'zod';

/**
 * A process id names one Paxos process and is also its queue destination
 * (`acceptor-0`, `leader-1`, `replica-0`). Client ids name HTTP clients.
 */
export const ProcessIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:-]+$/, 'ids use letters, digits and . _ : - only');
export type ProcessId = z.infer<typeof ProcessIdSchema>;

/**
 * Clients have a destination namespace of their own: `client:<sessionId>`. A role's message to
 * such a destination is delivered by the shell to the HTTP client waiting in that process, never
 * queued, whatever the member list: so no client can receive a process's messages or the other
 * way round, and routing does not depend on who the members are.
 */
export const CLIENT_PREFIX = 'client:';
export const clientDestination = (sessionId: number): string => `${CLIENT_PREFIX}${sessionId}`;
export const isClientDestination = (to: string): boolean => to.startsWith(CLIENT_PREFIX);

/** A cluster member's id: a process id outside the client namespace. */
export const MemberIdSchema = ProcessIdSchema.refine((id) => !isClientDestination(id), {
  message: `member ids must not start with "${CLIENT_PREFIX}" (the client namespace)`,
});

export const RoleNameSchema = z.enum(['acceptor', 'leader', 'replica']);
export type RoleName = z.infer<typeof RoleNameSchema>;

/** The processes of one cluster, by role. Every list is ordered and duplicate-free. */
export const ClusterSchema = z.object({
  acceptors: z.array(MemberIdSchema).min(1),
  leaders: z.array(MemberIdSchema).min(1),
  replicas: z.array(MemberIdSchema).min(1),
});
export type Cluster = z.infer<typeof ClusterSchema>;

/** Smallest number of acceptors that forms a majority. */
export function majorityOf(acceptorCount: number): number {
  return Math.floor(acceptorCount / 2) + 1;
}

/** `acceptor-0, acceptor-1, ...` */
export function namedProcesses(role: RoleName, count: number): ProcessId[] {
  return Array.from({ length: count }, (_, i) => `${role}-${i}`);
}

export function defaultCluster(acceptors = 3, leaders = 2, replicas = 2): Cluster {
  return {
    acceptors: namedProcesses('acceptor', acceptors),
    leaders: namedProcesses('leader', leaders),
    replicas: namedProcesses('replica', replicas),
  };
}

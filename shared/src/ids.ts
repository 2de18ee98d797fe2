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

export const RoleNameSchema = z.enum(['acceptor', 'leader', 'replica']);
export type RoleName = z.infer<typeof RoleNameSchema>;

/** The processes of one cluster, by role. Every list is ordered and duplicate-free. */
export const ClusterSchema = z.object({
  acceptors: z.array(ProcessIdSchema).min(1),
  leaders: z.array(ProcessIdSchema).min(1),
  replicas: z.array(ProcessIdSchema).min(1),
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

import { z } from 'zod';

/**
 * What every service answers to GET /config (services/runtime/src/config-report.ts builds it):
 * the configuration it takes to be in force, the one decided but not in force yet, and every
 * configuration it knows. Loose: each role adds what it knows besides (a leader's retired
 * epochs and horizons, a replica's former members and slotOut). The dashboard, the fleet tools
 * and the OpenAPI contract all read it through this one schema.
 */
export const ConfigViewSchema = z.object({
  epoch: z.number().int().min(0),
  /** The first slot this configuration governs (1 for the initial one). */
  startSlot: z.number().int().min(1),
  acceptors: z.array(z.string()),
  leaders: z.array(z.string()),
  replicas: z.array(z.string()),
  /** PMMC's WINDOW for reconfigurations decided in this configuration's slots. */
  window: z.number().int().min(1),
});
export type ConfigView = z.infer<typeof ConfigViewSchema>;

export const ConfigAnswerSchema = z.looseObject({
  processId: z.string(),
  role: z.string(),
  /** Whether the process is a member of the configuration in force, in its own role. */
  member: z.boolean(),
  epoch: z.number().int().min(0),
  inForce: ConfigViewSchema,
  pending: ConfigViewSchema.nullable(),
  /** Every configuration from the one in force on (older ones included while kept). */
  schedule: z.array(ConfigViewSchema),
  /** A replica's: ids that left for good (it keeps them to refuse them back). */
  formerMembers: z.array(z.string()).optional(),
  /** A replica's first unapplied slot: how far the log is from a pending start. */
  slotOut: z.number().int().optional(),
  /** A leader's: epochs below it are retired there. */
  retiredBelow: z.number().int().optional(),
  /** A leader's: the garbage-collection horizon of each configuration it serves. */
  horizons: z.record(z.string(), z.number()).optional(),
});
export type ConfigAnswer = z.infer<typeof ConfigAnswerSchema>;

import { z } from 'zod';

/**
 * The parts of a replica's GET /config that the dashboard reads. A replica knows the schedule
 * of configurations exactly (it is applied state); leaders and acceptors know less, so only
 * replicas are asked. Loose like StateAnswerSchema: the roles may add fields.
 */
const ConfigViewSchema = z.looseObject({
  epoch: z.number().int().min(0),
  /** The first slot this configuration governs. */
  startSlot: z.number().int().min(1),
  acceptors: z.array(z.string()),
  leaders: z.array(z.string()),
  replicas: z.array(z.string()),
  window: z.number().int().min(1),
});
export type ConfigViewAnswer = z.infer<typeof ConfigViewSchema>;

export const ConfigAnswerSchema = z.looseObject({
  processId: z.string(),
  role: z.string(),
  member: z.boolean(),
  epoch: z.number().int().min(0),
  inForce: ConfigViewSchema,
  pending: ConfigViewSchema.nullable(),
  /** Every configuration from the one in force on (older ones included while kept). */
  schedule: z.array(ConfigViewSchema).optional(),
  /** Ids that left the configuration for good (a replica keeps them to refuse them back). */
  formerMembers: z.array(z.string()).optional(),
  /** The replica's first unapplied slot: how far the log is from a pending start. */
  slotOut: z.number().int().optional(),
});
export type ConfigAnswer = z.infer<typeof ConfigAnswerSchema>;

import { z } from 'zod';

/**
 * A strict subset of CloudNativePG's `Cluster` (postgresql.cnpg.io/v1, operator 1.24), in this
 * project's words: the operator's CRD schema is not available here, so k8s/postgres-ha/ is
 * checked against the fields it may use, each with the type and values the operator documents.
 * Strict objects: a misspelt or unknown field is refused (the API server would prune or refuse
 * it, and the cluster would silently run without it). Narrower than the CRD where this fleet
 * needs it: at least 3 instances, synchronous replication of the `any` (quorum) kind with fewer
 * synchronous standbys than standbys, the owner and the database set.
 */
const quantity = z.string().regex(/^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/);
const name = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
const resourceList = z.object({ cpu: quantity.optional(), memory: quantity.optional() }).strict();

export const CNPG_OPERATOR_VERSION_MIN = '1.24';

/** The application database and its owner, and optionally the owner's Secret. */
const owned = z
  .object({ database: name, owner: name, secret: z.object({ name }).strict().optional() })
  .strict();

export const CnpgClusterSchema = z
  .object({
    apiVersion: z.literal('postgresql.cnpg.io/v1'),
    kind: z.literal('Cluster'),
    metadata: z
      .object({ name, namespace: name, labels: z.record(z.string(), z.string()).optional() })
      .strict(),
    spec: z
      .object({
        instances: z.number().int().min(3).max(9),
        imageName: z.string().regex(/^[^\s:]+(:[\w][\w.-]*)?(@sha256:[0-9a-f]{64})?$/),
        primaryUpdateStrategy: z.enum(['unsupervised', 'supervised']).optional(),
        primaryUpdateMethod: z.enum(['restart', 'switchover']).optional(),
        enableSuperuserAccess: z.boolean().optional(),
        // A new cluster (initdb), or one restored from a backup (recovery; docs/operations.md,
        // "Backup and restore"): exactly one of them.
        bootstrap: z.union([
          z.object({ initdb: owned }).strict(),
          z
            .object({
              recovery: owned
                .extend({
                  backup: z.object({ name }).strict().optional(),
                  source: name.optional(),
                })
                .strict(),
            })
            .strict(),
        ]),
        postgresql: z
          .object({
            synchronous: z
              .object({ method: z.literal('any'), number: z.number().int().min(1) })
              .strict(),
            parameters: z.record(z.string(), z.string()).optional(),
          })
          .strict(),
        storage: z.object({ size: quantity, storageClass: name.optional() }).strict(),
        affinity: z
          .object({
            enablePodAntiAffinity: z.boolean(),
            topologyKey: z.string().min(1),
            podAntiAffinityType: z.enum(['preferred', 'required']),
          })
          .strict()
          .optional(),
        resources: z
          .object({ requests: resourceList.optional(), limits: resourceList.optional() })
          .strict()
          .optional(),
      })
      .strict()
      .refine((s) => s.postgresql.synchronous.number < s.instances, {
        message: 'synchronous.number must be below instances: a standby must be free to fail',
        path: ['postgresql', 'synchronous', 'number'],
      }),
  })
  .strict();

export type CnpgCluster = z.infer<typeof CnpgClusterSchema>;

/** The Service of a Cluster that always leads to its primary. */
export const readWriteServiceOf = (c: CnpgCluster): string => `${c.metadata.name}-rw`;
/** The Secret the operator makes for the owner (username, password, uri, ...). */
export const appSecretOf = (c: CnpgCluster): string => `${c.metadata.name}-app`;

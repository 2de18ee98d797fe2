import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** The subset of Neurelo's schema language that `neurelo/schema.json` uses. */
const DefaultSchema = z.union([
  z.object({ function: z.enum(['autoincrement', 'now', 'auto']) }),
  z.object({ value: z.unknown() }),
]);

export const PropertySchema = z.object({
  type: z.enum(['string', 'integer', 'number', 'boolean', 'array', 'object']),
  format: z.enum(['date-time', 'decimal', 'bytes', 'float']).optional(),
  sourceType: z.union([z.string(), z.tuple([z.string(), z.number()])]).optional(),
  sourceName: z.string().optional(),
  nullable: z.boolean().optional(),
  unique: z.boolean().optional(),
  identifier: z.boolean().optional(),
  default: DefaultSchema.optional(),
  description: z.string().optional(),
});
export type Property = z.infer<typeof PropertySchema>;

export const ConstraintSchema = z.object({
  type: z.enum(['identifier', 'unique', 'index']),
  property: z.array(z.string()).min(1),
  sourceName: z.string().optional(),
});

export const ObjectSchema = z.object({
  description: z.string().optional(),
  sourceName: z.string().optional(),
  properties: z.record(z.string(), PropertySchema),
  constraints: z.array(ConstraintSchema).optional(),
});
export type ObjectDefinition = z.infer<typeof ObjectSchema>;

export const NeureloSchemaSchema = z.object({
  objects: z.record(z.string(), ObjectSchema),
  enums: z.record(z.string(), z.array(z.string())).optional(),
});
export type NeureloSchema = z.infer<typeof NeureloSchemaSchema>;

export const NEURELO_DIR = path.resolve(__dirname, '..', '..', '..', '..', 'neurelo');

export function loadSchema(file = path.join(NEURELO_DIR, 'schema.json')): NeureloSchema {
  return NeureloSchemaSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
}

/** The column name of a property. */
export const columnOf = (name: string, p: Property): string => p.sourceName ?? name;
/** The table name of an object. */
export const tableOf = (name: string, o: ObjectDefinition): string => o.sourceName ?? name;

/** The properties that identify a row: a property marked `identifier`, or an identifier constraint. */
export function identifierOf(o: ObjectDefinition): string[] {
  const single = Object.entries(o.properties)
    .filter(([, p]) => p.identifier)
    .map(([n]) => n);
  if (single.length > 0) return single;
  return o.constraints?.find((c) => c.type === 'identifier')?.property ?? [];
}

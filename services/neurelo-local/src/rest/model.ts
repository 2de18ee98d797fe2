import {
  columnOf,
  identifierOf,
  tableOf,
  type NeureloSchema,
  type ObjectDefinition,
  type Property,
} from '../schema/schema';

/**
 * What the REST layer needs to know about one object of schema.json, worked out once when
 * the router is built. Every SQL identifier the REST layer ever writes comes from here, so
 * nothing a request says can become an identifier.
 */

/** How a property's values are checked on the way in and shaped on the way out. */
export type FieldKind =
  'string' | 'date-time' | 'integer' | 'number' | 'decimal' | 'boolean' | 'json';

export interface Field {
  /** The property name clients use. */
  name: string;
  /** The column it lives in (`sourceName`, else the property name). */
  column: string;
  kind: FieldKind;
  nullable: boolean;
  /** Has a default (value or function), so a create may leave it out. */
  hasDefault: boolean;
  /** Longest string the column takes, in characters (VarChar/Char). */
  maxLength?: number;
  /** Smallest and largest value an integer column takes. */
  integerRange?: readonly [number, number];
}

export interface Model {
  name: string;
  table: string;
  /** In schema order, which is also the order of keys in returned rows. */
  fields: readonly Field[];
  fieldsByName: ReadonlyMap<string, Field>;
  /** The identifying fields; more than one means a composite identifier. */
  identifier: readonly Field[];
}

const INT16: readonly [number, number] = [-32_768, 32_767];
const INT32: readonly [number, number] = [-2_147_483_648, 2_147_483_647];
// BIGINT is wider than a JSON number stays exact; values beyond 2^53 are refused rather than rounded.
const SAFE_INT: readonly [number, number] = [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];

function sourceTypeName(p: Property): string | undefined {
  return typeof p.sourceType === 'string' ? p.sourceType : p.sourceType?.[0];
}

function kindOf(p: Property): FieldKind | undefined {
  const source = sourceTypeName(p)?.toLowerCase();
  if (p.type === 'object' || source === 'json' || source === 'jsonb') return 'json';
  switch (p.type) {
    case 'string':
      if (p.format === 'date-time') return 'date-time';
      if (p.format === 'decimal') return 'decimal';
      // Bytes would need an encoding agreed with clients; no object of ours has one.
      return p.format === 'bytes' ? undefined : 'string';
    case 'integer':
      return 'integer';
    case 'number':
      return p.format === 'decimal' ? 'decimal' : 'number';
    case 'boolean':
      return 'boolean';
    default:
      // `array` is a relation list or a scalar list: neither is a column this server serves.
      return undefined;
  }
}

function integerRangeOf(p: Property): readonly [number, number] {
  switch (sourceTypeName(p)?.toLowerCase()) {
    case 'smallint':
      return INT16;
    case 'bigint':
      return SAFE_INT;
    default:
      return INT32;
  }
}

function maxLengthOf(p: Property): number | undefined {
  if (!Array.isArray(p.sourceType)) return undefined;
  const [name, length] = p.sourceType;
  return ['varchar', 'char'].includes(name.toLowerCase()) ? length : undefined;
}

function fieldOf(name: string, p: Property): Field | undefined {
  const kind = kindOf(p);
  if (!kind) return undefined;
  const field: Field = {
    name,
    column: columnOf(name, p),
    kind,
    nullable: p.nullable === true,
    hasDefault: p.default !== undefined,
  };
  const maxLength = kind === 'string' ? maxLengthOf(p) : undefined;
  if (maxLength !== undefined) field.maxLength = maxLength;
  if (kind === 'integer') field.integerRange = integerRangeOf(p);
  return field;
}

export function modelOf(name: string, definition: ObjectDefinition): Model {
  const fields = Object.entries(definition.properties).flatMap(([propertyName, p]) => {
    const field = fieldOf(propertyName, p);
    return field ? [field] : [];
  });
  const fieldsByName = new Map(fields.map((f) => [f.name, f]));
  const identifier = identifierOf(definition).flatMap((n) => {
    const f = fieldsByName.get(n);
    return f ? [f] : [];
  });
  return { name, table: tableOf(name, definition), fields, fieldsByName, identifier };
}

export function modelsOf(schema: NeureloSchema): ReadonlyMap<string, Model> {
  return new Map(Object.entries(schema.objects).map(([name, o]) => [name, modelOf(name, o)]));
}

/** A field may be left out of a create when the database fills it or it may be null. */
export const isRequiredOnCreate = (f: Field): boolean => !f.nullable && !f.hasDefault;

import type { Queryable } from '../src/db/database';
import {
  columnOf,
  identifierOf,
  loadSchema,
  tableOf,
  type NeureloSchema,
  type Property,
} from '../src/schema/schema';
import { openTestDatabase, type TestDatabase } from './support/test-database';

/**
 * schema.json describes the tables that the numbered migrations create; the REST layer
 * trusts the one and the database enforces the other. This test reads the migrated
 * database's catalog (tables, columns, types with length and precision, nullability,
 * defaults, primary keys, indexes with their column order) and compares it with what
 * schema.json says, both in one normal form; then shows that the comparison catches a
 * disagreement on either side, since a checker that cannot fail proves nothing.
 *
 * sourceType names are read as Prisma's PostgreSQL native types, which Neurelo's schema
 * language uses: `Json` is a json column and `JsonB` a jsonb one.
 */

interface ColumnShape {
  type: string;
  nullable: boolean;
  /** `function:now`, `function:autoincrement`, `value:0`, ... or null. */
  default: string | null;
}

interface IndexShape {
  columns: string[];
  unique: boolean;
}

interface TableShape {
  columns: Record<string, ColumnShape>;
  primaryKey: { name: string | null; columns: string[] };
  /** Every index but the primary key's, by name. */
  indexes: Record<string, IndexShape>;
}

type DatabaseShape = Record<string, TableShape>;

// ---- What schema.json says ------------------------------------------------------------

/** format_type() spelling of a sourceType, or undefined for a name this test does not know. */
function typeOfSourceType(name: string, size: number | undefined): string | undefined {
  const sized = (base: string) => (size === undefined ? base : `${base}(${size})`);
  const fixed: Record<string, string> = {
    Text: 'text',
    BigInt: 'bigint',
    Integer: 'integer',
    Int: 'integer',
    SmallInt: 'smallint',
    Boolean: 'boolean',
    DoublePrecision: 'double precision',
    Real: 'real',
    Json: 'json',
    JsonB: 'jsonb',
    Uuid: 'uuid',
    Date: 'date',
    ByteA: 'bytea',
  };
  if (fixed[name]) return fixed[name];
  switch (name) {
    case 'VarChar':
      return sized('character varying');
    case 'Char':
      return sized('character');
    case 'Timestamptz':
      return `${sized('timestamp')} with time zone`;
    case 'Timestamp':
      return `${sized('timestamp')} without time zone`;
    case 'Decimal':
      return size === undefined ? 'numeric' : `numeric(${size},0)`;
    default:
      return undefined;
  }
}

/** The column type a property without a sourceType gets (Prisma's defaults for PostgreSQL). */
function defaultTypeOf(p: Property): string {
  if (p.type === 'object') return 'jsonb';
  if (p.type === 'integer') return 'integer';
  if (p.type === 'number') return p.format === 'decimal' ? 'numeric(65,30)' : 'double precision';
  if (p.type === 'boolean') return 'boolean';
  if (p.format === 'date-time') return 'timestamp(3) without time zone';
  if (p.format === 'decimal') return 'numeric(65,30)';
  return 'text';
}

/** The sourceTypes that can hold each property type, to catch e.g. an integer stored as Text. */
const SOURCE_TYPES_BY_TYPE: Record<string, string[]> = {
  string: [
    'VarChar',
    'Char',
    'Text',
    'Uuid',
    'Timestamptz',
    'Timestamp',
    'Date',
    'Decimal',
    'ByteA',
  ],
  integer: ['BigInt', 'Integer', 'Int', 'SmallInt'],
  number: ['DoublePrecision', 'Real', 'Decimal'],
  boolean: ['Boolean'],
  object: ['Json', 'JsonB'],
};

function expectedColumn(
  p: Property,
  isIdentifier: boolean,
  problems: string[],
  where: string,
): ColumnShape {
  let type = defaultTypeOf(p);
  if (p.sourceType !== undefined) {
    const [name, size] =
      typeof p.sourceType === 'string' ? [p.sourceType, undefined] : p.sourceType;
    type = typeOfSourceType(name, size) ?? `unknown sourceType ${name}`;
    if (!SOURCE_TYPES_BY_TYPE[p.type]?.includes(name)) {
      problems.push(`${where}: type ${p.type} cannot be stored as sourceType ${name}`);
    }
  }
  const byDefault = p.default
    ? 'function' in p.default
      ? `function:${p.default.function}`
      : `value:${JSON.stringify(p.default.value)}`
    : null;
  return { type, nullable: !isIdentifier && p.nullable === true, default: byDefault };
}

/** Prisma's default index names, for constraints that do not give a sourceName. */
const defaultIndexName = (table: string, columns: string[], unique: boolean) =>
  `${table}_${columns.join('_')}_${unique ? 'key' : 'idx'}`;

function shapeOfSchema(schema: NeureloSchema): { shape: DatabaseShape; problems: string[] } {
  const shape: DatabaseShape = {};
  const problems: string[] = [];
  for (const [objectName, o] of Object.entries(schema.objects)) {
    const table = tableOf(objectName, o);
    const columnName = (property: string) => {
      const p = o.properties[property];
      if (!p)
        problems.push(`${objectName}: a constraint names ${property}, which is not a property`);
      return p ? columnOf(property, p) : property;
    };
    const identifier = identifierOf(o);
    const columns: Record<string, ColumnShape> = {};
    const indexes: Record<string, IndexShape> = {};
    for (const [name, p] of Object.entries(o.properties)) {
      const column = columnOf(name, p);
      columns[column] = expectedColumn(
        p,
        identifier.includes(name),
        problems,
        `${objectName}.${name}`,
      );
      if (p.unique)
        indexes[defaultIndexName(table, [column], true)] = { columns: [column], unique: true };
    }
    for (const c of o.constraints ?? []) {
      if (c.type === 'identifier') continue;
      const cols = c.property.map(columnName);
      const unique = c.type === 'unique';
      indexes[c.sourceName ?? defaultIndexName(table, cols, unique)] = { columns: cols, unique };
    }
    const pkConstraint = o.constraints?.find((c) => c.type === 'identifier');
    shape[table] = {
      columns,
      primaryKey: { name: pkConstraint?.sourceName ?? null, columns: identifier.map(columnName) },
      indexes,
    };
  }
  return { shape, problems };
}

// ---- What the database says -----------------------------------------------------------

/** The catalog's default expression in the same normal form as schema.json's `default`. */
function normaliseDefault(expression: string | null): string | null {
  if (expression === null) return null;
  if (/^nextval\(/.test(expression)) return 'function:autoincrement';
  if (/^(now\(\)|CURRENT_TIMESTAMP)$/i.test(expression)) return 'function:now';
  if (/^gen_random_uuid\(\)$/.test(expression)) return 'function:auto';
  if (/^(true|false)$/.test(expression)) return `value:${expression}`;
  if (/^-?\d+(\.\d+)?$/.test(expression)) return `value:${Number(expression)}`;
  const literal = /^'((?:[^']|'')*)'::([a-z ]+)(\(\d+(,\d+)?\))?$/.exec(expression);
  if (literal) {
    const text = literal[1]!.replace(/''/g, "'");
    const numeric = /^(integer|bigint|smallint|numeric|real|double precision)$/.test(literal[2]!);
    return `value:${numeric ? Number(text) : JSON.stringify(text)}`;
  }
  return `expression:${expression}`;
}

async function shapeOfDatabase(db: Queryable): Promise<DatabaseShape> {
  const tables = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
     WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations'`,
  );
  const shape: DatabaseShape = {};
  for (const { table_name } of tables.rows) {
    shape[table_name] = { columns: {}, primaryKey: { name: null, columns: [] }, indexes: {} };
  }
  const columns = await db.query<{
    table_name: string;
    column_name: string;
    type: string;
    nullable: boolean;
    default_expression: string | null;
  }>(
    `SELECT c.relname AS table_name, a.attname::text AS column_name,
            format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable,
            pg_get_expr(d.adbin, d.adrelid) AS default_expression
     FROM pg_class c
     JOIN pg_namespace n ON n.oid = c.relnamespace
     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
     WHERE n.nspname = 'public' AND c.relkind = 'r'`,
  );
  for (const col of columns.rows) {
    const table = shape[col.table_name];
    if (!table) continue;
    table.columns[col.column_name] = {
      type: col.type,
      nullable: col.nullable,
      default: normaliseDefault(col.default_expression),
    };
  }
  const indexes = await db.query<{
    table_name: string;
    index_name: string;
    is_primary: boolean;
    is_unique: boolean;
    columns: string[];
    is_plain: boolean;
  }>(
    `SELECT t.relname::text AS table_name, i.relname::text AS index_name,
            ix.indisprimary AS is_primary, ix.indisunique AS is_unique,
            array_agg(a.attname::text ORDER BY k.ord) AS columns,
            -- An expression or partial index is something schema.json cannot say.
            (ix.indpred IS NULL AND ix.indexprs IS NULL) AS is_plain
     FROM pg_index ix
     JOIN pg_class t ON t.oid = ix.indrelid
     JOIN pg_class i ON i.oid = ix.indexrelid
     JOIN pg_namespace n ON n.oid = t.relnamespace
     CROSS JOIN LATERAL unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
     JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
     WHERE n.nspname = 'public'
     GROUP BY t.relname, i.relname, ix.indisprimary, ix.indisunique, ix.indpred, ix.indexprs`,
  );
  for (const ix of indexes.rows) {
    const table = shape[ix.table_name];
    if (!table) continue;
    if (ix.is_primary) {
      table.primaryKey = { name: ix.index_name, columns: ix.columns };
    } else {
      const columnList = ix.is_plain ? ix.columns : [...ix.columns, '(expression or partial)'];
      table.indexes[ix.index_name] = { columns: columnList, unique: ix.is_unique };
    }
  }
  return shape;
}

// ---- The comparison -------------------------------------------------------------------

const show = (v: unknown) => JSON.stringify(v);

/** Every way the two shapes differ, as sentences; empty when they agree. */
function differences(fromSchema: DatabaseShape, fromDatabase: DatabaseShape): string[] {
  const out: string[] = [];
  for (const table of Object.keys(fromDatabase)) {
    if (!fromSchema[table]) out.push(`table ${table} is in the database but not in schema.json`);
  }
  for (const [table, expected] of Object.entries(fromSchema)) {
    const actual = fromDatabase[table];
    if (!actual) {
      out.push(`table ${table} is in schema.json but not in the database`);
      continue;
    }
    for (const column of Object.keys(actual.columns)) {
      if (!expected.columns[column])
        out.push(`${table}.${column} is in the database but not in schema.json`);
    }
    for (const [column, e] of Object.entries(expected.columns)) {
      const a = actual.columns[column];
      if (!a) {
        out.push(`${table}.${column} is in schema.json but not in the database`);
        continue;
      }
      for (const key of ['type', 'nullable', 'default'] as const) {
        if (e[key] !== a[key]) {
          out.push(
            `${table}.${column}: ${key} is ${show(e[key])} in schema.json, ${show(a[key])} in the database`,
          );
        }
      }
    }
    const pkE = expected.primaryKey;
    const pkA = actual.primaryKey;
    if (show(pkE.columns) !== show(pkA.columns)) {
      out.push(
        `${table}: primary key is ${show(pkE.columns)} in schema.json, ${show(pkA.columns)} in the database`,
      );
    } else if (pkE.name !== null && pkE.name !== pkA.name) {
      out.push(
        `${table}: primary key is named ${pkE.name} in schema.json, ${pkA.name} in the database`,
      );
    }
    for (const name of Object.keys(actual.indexes)) {
      if (!expected.indexes[name])
        out.push(`${table}: index ${name} is in the database but not in schema.json`);
    }
    for (const [name, e] of Object.entries(expected.indexes)) {
      const a = actual.indexes[name];
      if (!a) out.push(`${table}: index ${name} is in schema.json but not in the database`);
      else if (show(e) !== show(a)) {
        out.push(
          `${table}: index ${name} is ${show(e)} in schema.json, ${show(a)} in the database`,
        );
      }
    }
  }
  return out;
}

async function compare(schema: NeureloSchema, db: Queryable): Promise<string[]> {
  const { shape, problems } = shapeOfSchema(schema);
  return [...problems, ...differences(shape, await shapeOfDatabase(db))];
}

// ---- The tests --------------------------------------------------------------------------

let t: TestDatabase;
beforeAll(async () => {
  t = await openTestDatabase('schema_agrees');
});
afterAll(() => t.drop());

describe('schema.json and the migrations', () => {
  it('agree', async () => {
    expect(await compare(loadSchema(), t.db)).toEqual([]);
  });
});

describe('the comparison catches a disagreement', () => {
  type Edit = (s: NeureloSchema) => void;
  const objects = (s: NeureloSchema) => s.objects;
  const prop = (s: NeureloSchema, o: string, p: string) => objects(s)[o]!.properties[p]!;

  const schemaEdits: Array<[string, Edit, string]> = [
    [
      "a column's length",
      (s) => void (prop(s, 'queue_item', 'dst').sourceType = ['VarChar', 64]),
      'queue_item.dst: type is "character varying(64)" in schema.json, "character varying(128)" in the database',
    ],
    [
      "a column's type",
      (s) => void (prop(s, 'queue_item', 'attempts').sourceType = 'BigInt'),
      'queue_item.attempts: type is "bigint" in schema.json, "integer" in the database',
    ],
    [
      "a timestamp's precision",
      (s) => void (prop(s, 'queue_item', 'lease_until').sourceType = ['Timestamptz', 3]),
      'queue_item.lease_until: type is "timestamp(3) with time zone" in schema.json',
    ],
    [
      'json where the database has jsonb',
      (s) => void (prop(s, 'durable_state', 'value').sourceType = 'Json'),
      'durable_state.value: type is "json" in schema.json, "jsonb" in the database',
    ],
    [
      'nullability',
      (s) => void (prop(s, 'queue_item', 'lease_owner').nullable = false),
      'queue_item.lease_owner: nullable is false in schema.json, true in the database',
    ],
    [
      'a default value',
      (s) => void (prop(s, 'queue_item', 'attempts').default = { value: 1 }),
      'queue_item.attempts: default is "value:1" in schema.json, "value:0" in the database',
    ],
    [
      'a missing default',
      (s) => void delete prop(s, 'queue_item', 'time_inserted').default,
      'queue_item.time_inserted: default is null in schema.json, "function:now" in the database',
    ],
    [
      "an index's column order",
      (s) => void (objects(s).queue_item!.constraints![0]!.property = ['seq', 'dst']),
      'queue_item: index idx_queue_item_dst_seq is {"columns":["seq","dst"],"unique":false} in schema.json, {"columns":["dst","seq"],"unique":false} in the database',
    ],
    [
      "an index's name",
      (s) => void (objects(s).queue_item!.constraints![0]!.sourceName = 'idx_other'),
      'queue_item: index idx_queue_item_dst_seq is in the database but not in schema.json',
    ],
    [
      'an index made unique',
      (s) => void (objects(s).dead_letter!.constraints![0]!.type = 'unique'),
      'dead_letter: index idx_dead_letter_dst_failed_at is {"columns":["dst","failed_at"],"unique":true} in schema.json',
    ],
    [
      'a missing index',
      (s) => void (objects(s).dead_letter!.constraints = []),
      'dead_letter: index idx_dead_letter_dst_failed_at is in the database but not in schema.json',
    ],
    [
      'a unique property without an index',
      (s) => void (prop(s, 'queue_item', 'payload').unique = true),
      'queue_item: index queue_item_payload_key is in schema.json but not in the database',
    ],
    [
      'the primary key',
      (s) => {
        delete prop(s, 'process_epoch', 'process_id').identifier;
        prop(s, 'process_epoch', 'epoch').identifier = true;
      },
      'process_epoch: primary key is ["epoch"] in schema.json, ["process_id"] in the database',
    ],
    [
      "a composite primary key's column order",
      (s) => void (objects(s).durable_state!.constraints![0]!.property = ['key', 'owner']),
      'durable_state: primary key is ["key","owner"] in schema.json, ["owner","key"] in the database',
    ],
    [
      'an extra property',
      (s) => void (objects(s).queue_item!.properties.priority = { type: 'integer' }),
      'queue_item.priority is in schema.json but not in the database',
    ],
    [
      'a missing property',
      (s) => void delete objects(s).queue_item!.properties.lease_until,
      'queue_item.lease_until is in the database but not in schema.json',
    ],
    [
      'a renamed column',
      (s) => void (prop(s, 'queue_item', 'payload').sourceName = 'body'),
      'queue_item.body is in schema.json but not in the database',
    ],
    [
      'a missing object',
      (s) => void delete objects(s).dead_letter,
      'table dead_letter is in the database but not in schema.json',
    ],
    [
      'an extra object',
      (s) => void (objects(s).ghost = { properties: { id: { type: 'string', identifier: true } } }),
      'table ghost is in schema.json but not in the database',
    ],
    [
      'a type that its sourceType cannot hold',
      (s) => void (prop(s, 'queue_item', 'payload').type = 'integer'),
      'queue_item.payload: type integer cannot be stored as sourceType Text',
    ],
  ];

  it.each(schemaEdits)('in schema.json: %s', async (_title, edit, expected) => {
    const schema = structuredClone(loadSchema());
    edit(schema);
    const found = await compare(schema, t.db);
    expect(found.some((d) => d.startsWith(expected))).toBe(true);
  });

  const databaseEdits: Array<[string, string, string, string]> = [
    [
      'an index the schema does not declare',
      'CREATE INDEX idx_extra ON queue_item (payload)',
      'DROP INDEX idx_extra',
      'queue_item: index idx_extra is in the database but not in schema.json',
    ],
    [
      'a partial index under a declared name',
      'DROP INDEX idx_dead_letter_dst_failed_at; CREATE INDEX idx_dead_letter_dst_failed_at ON dead_letter (dst, failed_at) WHERE attempts > 0',
      'DROP INDEX idx_dead_letter_dst_failed_at; CREATE INDEX idx_dead_letter_dst_failed_at ON dead_letter (dst, failed_at)',
      'dead_letter: index idx_dead_letter_dst_failed_at is {"columns":["dst","failed_at"],"unique":false} in schema.json, {"columns":["dst","failed_at","(expression or partial)"],"unique":false}',
    ],
    [
      'a column added by hand',
      'ALTER TABLE process_epoch ADD COLUMN note TEXT',
      'ALTER TABLE process_epoch DROP COLUMN note',
      'process_epoch.note is in the database but not in schema.json',
    ],
    [
      'a changed default',
      'ALTER TABLE process_epoch ALTER COLUMN epoch SET DEFAULT 1',
      'ALTER TABLE process_epoch ALTER COLUMN epoch SET DEFAULT 0',
      'process_epoch.epoch: default is "value:0" in schema.json, "value:1" in the database',
    ],
    [
      'a table added by hand',
      'CREATE TABLE stray (id INT)',
      'DROP TABLE stray',
      'table stray is in the database but not in schema.json',
    ],
  ];

  it.each(databaseEdits)('in the database: %s', async (_title, change, undo, expected) => {
    const before = await compare(loadSchema(), t.db);
    await t.db.exec(change);
    try {
      const found = await compare(loadSchema(), t.db);
      expect(found.some((d) => d.startsWith(expected))).toBe(true);
    } finally {
      await t.db.exec(undo);
    }
    expect(await compare(loadSchema(), t.db)).toEqual(before);
  });

  it.each<[string | null, string | null]>([
    [null, null],
    ['now()', 'function:now'],
    ['CURRENT_TIMESTAMP', 'function:now'],
    ["nextval('queue_item_seq_seq'::regclass)", 'function:autoincrement'],
    ['0', 'value:0'],
    ["'-1'::integer", 'value:-1'],
    ["'it''s'::character varying", 'value:"it\'s"'],
    ['true', 'value:true'],
    ['(1 + 1)', 'expression:(1 + 1)'],
  ])('normalises the default %s', (expression, normal) => {
    expect(normaliseDefault(expression)).toBe(normal);
  });
});

import { ApiError } from '../../src/http/api-error';
import { identifierValueFromPath } from '../../src/rest/field-values';
import { apiRow } from '../../src/rest/rows';
import {
  createManyStatement,
  createOneStatement,
  deleteByIdStatement,
  deleteManyStatement,
  findByIdStatement,
  findManyStatement,
  updateByIdStatement,
  updateManyStatement,
} from '../../src/rest/statements';
import { valuesToCreate, valuesToUpdate } from '../../src/rest/write-values';
import { gadget, projectModel } from './support/models';

const queueItem = projectModel('queue_item');
const durableState = projectModel('durable_state');
const field = (name: string) => queueItem.fieldsByName.get(name)!;

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError && err.status === 400) return err.message;
    throw err;
  }
  throw new Error('expected a 400');
}

const push = {
  element_identifier: '0b3f1e2a-7c1d-4f5e-9a8b-123456789abc',
  time_inserted: '2024-05-01T12:34:56.789012Z',
  dst: 'acceptor-0',
  payload: '{"type": "p1a"}',
};

describe('valuesToCreate', () => {
  it('takes the original project push and binds fields in schema order', () => {
    expect(valuesToCreate(queueItem, push).map((v) => [v.field.name, v.value])).toEqual([
      ['element_identifier', push.element_identifier],
      ['time_inserted', push.time_inserted],
      ['dst', 'acceptor-0'],
      ['payload', '{"type": "p1a"}'],
    ]);
  });

  it('binds Json as JSON text, whatever its shape', () => {
    for (const value of [{ a: 1 }, [1, 2], 'text', 7, false]) {
      const values = valuesToCreate(durableState, { owner: 'o', key: 'k', value });
      expect(values.find((v) => v.field.name === 'value')?.value).toBe(JSON.stringify(value));
    }
  });

  it('refuses null for a Json field that is not nullable (SQL NULL or JSON null would be a guess)', () => {
    expect(
      refusal(() => valuesToCreate(durableState, { owner: 'o', key: 'k', value: null })),
    ).toMatch(/"value" in the body may not be null/);
  });

  it('takes null for a nullable field', () => {
    expect(
      valuesToCreate(queueItem, { ...push, lease_owner: null }).find(
        (v) => v.field.name === 'lease_owner',
      )?.value,
    ).toBeNull();
  });

  it.each<[string, unknown, RegExp]>([
    [
      'a missing required field',
      { element_identifier: 'x', dst: 'a' },
      /the body lacks required field "payload"/,
    ],
    ['several missing', { element_identifier: 'x' }, /lacks required fields "dst", "payload"/],
    [
      'an unknown field',
      { ...push, colour: 'red' },
      /the body names "colour", which is not a field of queue_item/,
    ],
    ['null where not nullable', { ...push, dst: null }, /"dst" in the body may not be null/],
    ['a wrong type', { ...push, attempts: 'one' }, /"attempts" in the body must be an integer/],
    [
      'a too long string',
      { ...push, dst: 'x'.repeat(129) },
      /"dst" in the body must be a string of at most 128 characters/,
    ],
    [
      'an impossible date',
      { ...push, time_inserted: '2024-13-45T99:00:00Z' },
      /"time_inserted" in the body must be an ISO-8601 date-time/,
    ],
    ['an array body', [push], /the body must be a JSON object of queue_item fields/],
    ['no body', undefined, /the body must be a JSON object/],
  ])('refuses %s', (_t, body, message) =>
    expect(refusal(() => valuesToCreate(queueItem, body))).toMatch(message),
  );

  it('counts characters, not UTF-16 units, against a VARCHAR length', () => {
    expect(() => valuesToCreate(queueItem, { ...push, dst: '😀'.repeat(128) })).not.toThrow();
  });
});

describe('valuesToUpdate', () => {
  it('takes any subset of fields', () => {
    expect(
      valuesToUpdate(queueItem, { lease_owner: null, attempts: 3 }).map((v) => v.field.name),
    ).toEqual(['lease_owner', 'attempts']);
  });
  it('refuses an empty update', () => {
    expect(refusal(() => valuesToUpdate(queueItem, {}))).toMatch(
      /names no queue_item field to update/,
    );
  });
});

describe('identifierValueFromPath', () => {
  const id = gadget.fieldsByName.get('id')!;
  it('reads an integer identifier as a number', () =>
    expect(identifierValueFromPath(id, '42')).toBe(42));
  it('refuses a non-integer for an integer identifier', () =>
    expect(refusal(() => identifierValueFromPath(id, '4x'))).toMatch(
      /"id" in the path must be an integer/,
    ));
  it('keeps a string identifier as text', () =>
    expect(identifierValueFromPath(field('element_identifier'), '42')).toBe('42'));
});

describe('statements', () => {
  const select = [field('dst'), field('seq')];

  it.each<[string, () => { sql: string; params: unknown[] }, string, unknown[]]>([
    [
      'find many',
      () =>
        findManyStatement(queueItem, {
          filter: { dst: 'a' },
          select,
          orderBy: ['"seq" ASC'],
          skip: 2,
          take: 10,
        }),
      'SELECT "dst" AS "dst", "seq" AS "seq" FROM "queue_item" WHERE "dst" = $1 ORDER BY "seq" ASC LIMIT $2 OFFSET $3',
      ['a', 10, 2],
    ],
    [
      'find many without filter, order or skip',
      () => findManyStatement(queueItem, { select, orderBy: [], take: 1000 }),
      'SELECT "dst" AS "dst", "seq" AS "seq" FROM "queue_item" WHERE TRUE LIMIT $1',
      [1000],
    ],
    [
      'create one',
      () =>
        createOneStatement(
          queueItem,
          valuesToCreate(queueItem, { element_identifier: 'i', dst: 'd', payload: 'p' }),
          select,
        ),
      'INSERT INTO "queue_item" ("element_identifier", "dst", "payload") VALUES ($1, $2, $3) RETURNING "dst" AS "dst", "seq" AS "seq"',
      ['i', 'd', 'p'],
    ],
    [
      'create one of nothing but defaults',
      () => createOneStatement(gadget, [], [gadget.fieldsByName.get('id')!]),
      'INSERT INTO "gadget_table" DEFAULT VALUES RETURNING "id" AS "id"',
      [],
    ],
    [
      'create many: a field some rows leave out is DEFAULT there',
      () =>
        createManyStatement(queueItem, [
          valuesToCreate(queueItem, { element_identifier: 'a', dst: 'd', payload: 'p' }),
          valuesToCreate(queueItem, {
            element_identifier: 'b',
            dst: 'd',
            payload: 'p',
            attempts: 2,
          }),
        ]),
      'INSERT INTO "queue_item" ("element_identifier", "dst", "payload", "attempts") VALUES ($1, $2, $3, DEFAULT), ($4, $5, $6, $7)',
      ['a', 'd', 'p', 'b', 'd', 'p', 2],
    ],
    [
      'create many of nothing but defaults',
      () => createManyStatement(gadget, [[], []]),
      'INSERT INTO "gadget_table" ("id") VALUES (DEFAULT), (DEFAULT)',
      [],
    ],
    [
      'update many: SET parameters come before the filter ones',
      () =>
        updateManyStatement(
          queueItem,
          { dst: 'a' },
          valuesToUpdate(queueItem, { lease_owner: null }),
        ),
      'UPDATE "queue_item" SET "lease_owner" = $1 WHERE "dst" = $2',
      [null, 'a'],
    ],
    [
      'delete many',
      () => deleteManyStatement(queueItem, {}),
      'DELETE FROM "queue_item" WHERE TRUE',
      [],
    ],
    [
      'find by identifier',
      () =>
        findByIdStatement(queueItem, [{ field: field('element_identifier'), value: 'x' }], select),
      'SELECT "dst" AS "dst", "seq" AS "seq" FROM "queue_item" WHERE "element_identifier" = $1',
      ['x'],
    ],
    [
      'update by identifier',
      () =>
        updateByIdStatement(
          queueItem,
          [{ field: field('element_identifier'), value: 'x' }],
          valuesToUpdate(queueItem, { attempts: 1 }),
          select,
        ),
      'UPDATE "queue_item" SET "attempts" = $1 WHERE "element_identifier" = $2 RETURNING "dst" AS "dst", "seq" AS "seq"',
      [1, 'x'],
    ],
    [
      'delete by identifier',
      () =>
        deleteByIdStatement(
          queueItem,
          [{ field: field('element_identifier'), value: 'x' }],
          select,
        ),
      'DELETE FROM "queue_item" WHERE "element_identifier" = $1 RETURNING "dst" AS "dst", "seq" AS "seq"',
      ['x'],
    ],
  ])('%s', (_t, build, sql, params) => expect(build()).toEqual({ sql, params }));

  it('refuses a batch with more values than one statement takes', () => {
    const row = valuesToCreate(queueItem, { element_identifier: 'a', dst: 'd', payload: 'p' });
    expect(
      refusal(() =>
        createManyStatement(
          queueItem,
          Array.from({ length: 21_846 }, () => row),
        ),
      ),
    ).toMatch(/split it/);
  });
});

describe('apiRow', () => {
  const fields = [field('seq'), field('time_inserted'), field('lease_until'), field('dst')];
  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    [
      'node-postgres: BIGINT as text, timestamps as Date',
      {
        seq: '42',
        time_inserted: new Date('2024-05-01T12:34:56.789Z'),
        lease_until: null,
        dst: 'a',
      },
      { seq: 42, time_inserted: '2024-05-01T12:34:56.789Z', lease_until: null, dst: 'a' },
    ],
    [
      'PGlite: BIGINT as a number or a bigint',
      { seq: 7n, time_inserted: new Date(0), lease_until: new Date(1000), dst: 'a' },
      {
        seq: 7,
        time_inserted: '1970-01-01T00:00:00.000Z',
        lease_until: '1970-01-01T00:00:01.000Z',
        dst: 'a',
      },
    ],
    [
      'a BIGINT past 2^53 stays exact as text',
      { seq: '9007199254740993', time_inserted: null, lease_until: null, dst: 'a' },
      { seq: '9007199254740993', time_inserted: null, lease_until: null, dst: 'a' },
    ],
  ])('%s', (_t, row, expected) => expect(apiRow(fields, row)).toEqual(expected));

  it('keeps Json as parsed and decimals as text', () => {
    const value = durableState.fieldsByName.get('value')!;
    const price = gadget.fieldsByName.get('price')!;
    expect(apiRow([value, price], { value: { a: [1] }, price: '4.99' })).toEqual({
      value: { a: [1] },
      price: '4.99',
    });
  });
});

describe('model', () => {
  it('leaves out properties that are not columns it can serve', () => {
    expect(gadget.fieldsByName.has('links')).toBe(false);
  });
  it('reads identifiers, composite ones included', () => {
    expect(queueItem.identifier.map((f) => f.name)).toEqual(['element_identifier']);
    expect(durableState.identifier.map((f) => f.name)).toEqual(['owner', 'key']);
  });
});

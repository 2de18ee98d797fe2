import { ApiError } from '../../src/http/api-error';
import { FILTER_DEPTH_MAX, escapeLike, translateFilter } from '../../src/rest/filter';
import type { Model } from '../../src/rest/model';
import { SqlParams } from '../../src/rest/sql-params';
import { gadget, projectModel } from './support/models';

const queueItem = projectModel('queue_item');
const durableState = projectModel('durable_state');

function translate(model: Model, filter: unknown): { sql: string; params: unknown[] } {
  const params = new SqlParams();
  const sql = translateFilter(model, filter, params);
  return { sql, params: params.values };
}

/** Every double-quoted name in the SQL must be a column of the model: nothing else may get there. */
function quotedNames(sql: string): string[] {
  return [...sql.matchAll(/"((?:[^"]|"")*)"/g)].map((m) => m[1]!.replace(/""/g, '"'));
}

type Case = [title: string, model: Model, filter: unknown, sql: string, params: unknown[]];

const cases: Case[] = [
  ['empty object matches every row', queueItem, {}, 'TRUE', []],
  ['bare value is equality', queueItem, { dst: 'acceptor-0' }, '"dst" = $1', ['acceptor-0']],
  ['bare null is IS NULL', queueItem, { lease_owner: null }, '"lease_owner" IS NULL', []],
  [
    'several fields are ANDed',
    queueItem,
    { dst: 'a', attempts: 2 },
    '("dst" = $1) AND ("attempts" = $2)',
    ['a', 2],
  ],
  ['equals', queueItem, { dst: { equals: 'a' } }, '"dst" = $1', ['a']],
  ['equals null', queueItem, { lease_owner: { equals: null } }, '"lease_owner" IS NULL', []],
  ['not a value', queueItem, { dst: { not: 'a' } }, 'NOT ("dst" = $1)', ['a']],
  ['not null', queueItem, { lease_owner: { not: null } }, '"lease_owner" IS NOT NULL', []],
  [
    'not a nested filter',
    queueItem,
    { dst: { not: { in: ['a', 'b'] } } },
    'NOT ("dst" IN ($1, $2))',
    ['a', 'b'],
  ],
  ['in', queueItem, { dst: { in: ['a', 'b'] } }, '"dst" IN ($1, $2)', ['a', 'b']],
  ['in nothing matches nothing', queueItem, { dst: { in: [] } }, 'FALSE', []],
  ['notIn', queueItem, { attempts: { notIn: [1] } }, '"attempts" NOT IN ($1)', [1]],
  ['notIn nothing matches everything', queueItem, { attempts: { notIn: [] } }, 'TRUE', []],
  [
    'a range is two ANDed comparisons',
    queueItem,
    { seq: { gt: 5, lte: 10 } },
    '("seq" > $1) AND ("seq" <= $2)',
    [5, 10],
  ],
  ['lt and gte', queueItem, { seq: { lt: 1, gte: 0 } }, '("seq" < $1) AND ("seq" >= $2)', [1, 0]],
  [
    'date-time comparison binds the text as given (microseconds kept)',
    queueItem,
    { lease_until: { lt: '2024-05-01T12:00:00.123456Z' } },
    '"lease_until" < $1',
    ['2024-05-01T12:00:00.123456Z'],
  ],
  ['contains', queueItem, { dst: { contains: 'cep' } }, `"dst" LIKE $1 ESCAPE '\\'`, ['%cep%']],
  ['startsWith', queueItem, { dst: { startsWith: 'acc' } }, `"dst" LIKE $1 ESCAPE '\\'`, ['acc%']],
  ['endsWith', queueItem, { dst: { endsWith: '-0' } }, `"dst" LIKE $1 ESCAPE '\\'`, ['%-0']],
  [
    'LIKE wildcards in a value are literal',
    queueItem,
    { payload: { contains: '50%_\\' } },
    `"payload" LIKE $1 ESCAPE '\\'`,
    ['%50\\%\\_\\\\%'],
  ],
  [
    'OR',
    queueItem,
    { OR: [{ dst: 'a' }, { dst: 'b' }] },
    '("dst" = $1) OR ("dst" = $2)',
    ['a', 'b'],
  ],
  ['OR of nothing matches nothing', queueItem, { OR: [] }, 'FALSE', []],
  ['AND of one object', queueItem, { AND: { dst: 'a' } }, '"dst" = $1', ['a']],
  ['AND of nothing matches everything', queueItem, { AND: [] }, 'TRUE', []],
  ['NOT of one object', queueItem, { NOT: { dst: 'a' } }, 'NOT ("dst" = $1)', ['a']],
  [
    'NOT of several excludes each',
    queueItem,
    { NOT: [{ dst: 'a' }, { attempts: 1 }] },
    '(NOT ("dst" = $1)) AND (NOT ("attempts" = $2))',
    ['a', 1],
  ],
  [
    'combinators nest and mix with fields',
    queueItem,
    { dst: 'a', OR: [{ lease_owner: null }, { lease_until: { lt: '2024-01-01T00:00:00Z' } }] },
    '("dst" = $1) AND (("lease_owner" IS NULL) OR ("lease_until" < $2))',
    ['a', '2024-01-01T00:00:00Z'],
  ],
  [
    'Json equality compares documents',
    durableState,
    { value: { equals: { promised: [1, 'a'] } } },
    '"value"::jsonb = $1::jsonb',
    ['{"promised":[1,"a"]}'],
  ],
  ['Json not', durableState, { value: { not: 'x' } }, 'NOT ("value"::jsonb = $1::jsonb)', ['"x"']],
  [
    'a renamed column is written by its column name',
    gadget,
    { label: 'x' },
    '"label_text" = $1',
    ['x'],
  ],
  ['boolean equality', gadget, { active: false }, '"active" = $1', [false]],
  ['number comparison', gadget, { weight: { gte: 1.5 } }, '"weight" >= $1', [1.5]],
  [
    'decimal takes a number or its text',
    gadget,
    { price: { in: [1.25, '2.50'] } },
    '"price" IN ($1, $2)',
    ['1.25', '2.50'],
  ],
  [
    'a value longer than the column is a question, not an error',
    gadget,
    { label: 'much longer than eight' },
    '"label_text" = $1',
    ['much longer than eight'],
  ],
  [
    'SQL in a value stays a parameter',
    queueItem,
    { dst: "x'; DROP TABLE queue_item; --" },
    '"dst" = $1',
    ["x'; DROP TABLE queue_item; --"],
  ],
  [
    'SQL in a LIKE value stays a parameter',
    queueItem,
    { dst: { startsWith: `' OR 1=1 --` } },
    `"dst" LIKE $1 ESCAPE '\\'`,
    [`' OR 1=1 --%`],
  ],
];

describe('translateFilter', () => {
  it.each(cases)('%s', (_title, model, filter, sql, params) => {
    const out = translate(model, filter);
    expect(out).toEqual({ sql, params });
    const columns = model.fields.map((f) => f.column);
    for (const name of quotedNames(out.sql)) expect(columns).toContain(name);
  });

  it('numbers parameters on from those already in the statement', () => {
    const params = new SqlParams();
    params.add('earlier');
    expect(translateFilter(queueItem, { dst: 'a' }, params)).toBe('"dst" = $2');
  });
});

type ErrorCase = [title: string, model: Model, filter: unknown, message: RegExp];

const errorCases: ErrorCase[] = [
  ['a string', queueItem, 'dst', /filter must be a JSON object/],
  ['an array', queueItem, [{ dst: 'a' }], /filter must be a JSON object/],
  ['null', queueItem, null, /filter must be a JSON object/],
  ['an unknown field', queueItem, { nope: 1 }, /"nope", which is not a field of queue_item/],
  ['SQL as a field name', queueItem, { "dst\" = '' OR 1=1 --": 'x' }, /not a field of queue_item/],
  ['a quoted column name', queueItem, { '"dst"': 'x' }, /not a field of queue_item/],
  [
    'an inherited property name',
    queueItem,
    { constructor: 'x' },
    /"constructor", which is not a field/,
  ],
  [
    '__proto__ as JSON gives it',
    queueItem,
    JSON.parse('{"__proto__": {"x": 1}}'),
    /"__proto__", which is not a field/,
  ],
  [
    'a field under a combinator',
    queueItem,
    { OR: [{ dst: 'a' }, { bad: 1 }] },
    /"bad", which is not a field/,
  ],
  ['a combinator holding a string', queueItem, { NOT: 'dst' }, /filter must be a JSON object/],
  [
    'an unknown operator',
    queueItem,
    { dst: { like: 'a%' } },
    /operator "like"; string fields take: equals, not, in, notIn/,
  ],
  ['SQL as an operator', queueItem, { dst: { '= 1 OR 1': 1 } }, /operator "= 1 OR 1"/],
  [
    'a text operator on an integer',
    queueItem,
    { attempts: { contains: '1' } },
    /operator "contains"; integer fields take/,
  ],
  [
    'an order operator on a boolean',
    gadget,
    { active: { gt: false } },
    /operator "gt"; boolean fields take: equals, not/,
  ],
  [
    'an order operator on Json',
    durableState,
    { value: { lt: 1 } },
    /operator "lt"; json fields take: equals, not/,
  ],
  [
    'a bare value on Json',
    durableState,
    { value: 5 },
    /Json field "value" takes an operator object/,
  ],
  ['an empty operator object', queueItem, { dst: {} }, /empty operator object/],
  [
    'a string for an integer',
    queueItem,
    { attempts: '1' },
    /"attempts" in filter.attempts must be an integer/,
  ],
  ['a fraction for an integer', queueItem, { attempts: 1.5 }, /must be an integer/],
  [
    'an integer past the column range',
    queueItem,
    { attempts: 2 ** 31 },
    /from -2147483648 to 2147483647/,
  ],
  ['an unsafe BIGINT', queueItem, { seq: 2 ** 60 }, /must be an integer/],
  ['a number for a string', queueItem, { dst: 5 }, /"dst" in filter.dst must be a string/],
  ['a bad date-time', queueItem, { time_inserted: 'yesterday' }, /must be an ISO-8601 date-time/],
  [
    'a date-time without an offset',
    queueItem,
    { time_inserted: '2024-01-01T00:00:00' },
    /ISO-8601 date-time with an offset/,
  ],
  ['a bare array', queueItem, { dst: ['a', 'b'] }, /use \{"in": \[...\]\}/],
  ['in without an array', queueItem, { dst: { in: 'a' } }, /in takes an array/],
  ['null inside in', queueItem, { dst: { in: ['a', null] } }, /in does not take null/],
  [
    'a wrong type inside in, by position',
    queueItem,
    { attempts: { in: [1, 'x'] } },
    /filter.attempts.in\[1\] must be an integer/,
  ],
  ['null for lt', queueItem, { seq: { lt: null } }, /lt does not take null/],
  ['null for contains', queueItem, { dst: { contains: null } }, /contains does not take null/],
  ['a bad decimal', gadget, { price: 'abc' }, /must be a decimal number/],
];

describe('translateFilter refuses', () => {
  it.each(errorCases)('%s', (_title, model, filter, message) => {
    let thrown: unknown;
    try {
      translate(model, filter);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ApiError);
    expect((thrown as ApiError).status).toBe(400);
    expect((thrown as ApiError).message).toMatch(message);
  });

  it(`a filter nested deeper than ${FILTER_DEPTH_MAX} levels`, () => {
    let deep: unknown = { dst: 'a' };
    for (let i = 0; i < FILTER_DEPTH_MAX + 1; i++) deep = { NOT: deep };
    expect(() => translate(queueItem, deep)).toThrow(/nested deeper/);
  });

  it(`but takes one exactly ${FILTER_DEPTH_MAX} levels deep`, () => {
    let deep: unknown = { dst: 'a' };
    for (let i = 0; i < FILTER_DEPTH_MAX; i++) deep = { NOT: deep };
    expect(translate(queueItem, deep).params).toEqual(['a']);
  });
});

describe('escapeLike', () => {
  it.each([
    ['plain', 'plain'],
    ['50%', '50\\%'],
    ['a_b', 'a\\_b'],
    ['back\\slash', 'back\\\\slash'],
  ])('%s', (input, escaped) => expect(escapeLike(input)).toBe(escaped));
});

import { ApiError } from '../../src/http/api-error';
import { translateOrderBy } from '../../src/rest/order-by';
import { readQueryParams, TAKE_MAX, type QueryParamName } from '../../src/rest/query-params';
import { translateSelect } from '../../src/rest/select';
import { gadget, projectModel } from './support/models';

const queueItem = projectModel('queue_item');
const durableState = projectModel('durable_state');
const ALL: QueryParamName[] = ['select', 'filter', 'order_by', 'skip', 'take'];

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError && err.status === 400) return err.message;
    throw err;
  }
  throw new Error('expected a 400');
}

describe('translateSelect', () => {
  const names = (select: unknown): string[] =>
    translateSelect(queueItem, select).map((f) => f.name);
  const every = queueItem.fields.map((f) => f.name);

  it.each<[string, unknown, string[]]>([
    ['no select means every field', undefined, every],
    ['$scalars', { $scalars: true }, every],
    ['picked fields, in schema order', { seq: true, dst: true }, ['dst', 'seq']],
    ['false leaves a field out', { dst: true, seq: false }, ['dst']],
    [
      '$scalars with a field set false still gives every field',
      { $scalars: true, dst: false },
      every,
    ],
  ])('%s', (_t, select, expected) => expect(names(select)).toEqual(expected));

  it.each<[string, unknown, RegExp]>([
    ['an unknown field', { nope: true }, /select names "nope", which is not a field of queue_item/],
    ['SQL as a field', { 'dst" FROM pg_shadow --': true }, /not a field of queue_item/],
    ['a non-boolean', { dst: 1 }, /select.dst must be true or false/],
    ['an array', ['dst'], /select must be a JSON object/],
    ['nothing picked', { dst: false }, /select picks no field/],
    ['$scalars false alone', { $scalars: false }, /select picks no field/],
  ])('refuses %s', (_t, select, message) =>
    expect(refusal(() => translateSelect(queueItem, select))).toMatch(message),
  );
});

describe('translateOrderBy', () => {
  it.each<[string, unknown, string[]]>([
    ['none: the identifier alone, for a stable order', undefined, ['"element_identifier" ASC']],
    [
      'an array of one-key objects',
      [{ dst: 'asc' }, { seq: 'desc' }],
      ['"dst" ASC', '"seq" DESC', '"element_identifier" ASC'],
    ],
    ['a single object', { seq: 'desc' }, ['"seq" DESC', '"element_identifier" ASC']],
    [
      'the identifier itself is not repeated',
      [{ element_identifier: 'desc' }],
      ['"element_identifier" DESC'],
    ],
    [
      'a repeated field counts once',
      [{ seq: 'asc' }, { seq: 'desc' }],
      ['"seq" ASC', '"element_identifier" ASC'],
    ],
  ])('%s', (_t, orderBy, terms) => expect(translateOrderBy(queueItem, orderBy)).toEqual(terms));

  it('breaks ties on every field of a composite identifier', () => {
    expect(translateOrderBy(durableState, [{ slot: 'asc' }])).toEqual([
      '"slot" ASC',
      '"owner" ASC',
      '"key" ASC',
    ]);
  });

  it('writes the column of a renamed property', () => {
    expect(translateOrderBy(gadget, [{ label: 'asc' }])).toEqual(['"label_text" ASC', '"id" ASC']);
  });

  it.each<[string, unknown, RegExp]>([
    ['an unknown field', [{ nope: 'asc' }], /order_by names "nope", which is not a field/],
    ['SQL as a field', [{ 'seq; DROP TABLE queue_item': 'asc' }], /not a field of queue_item/],
    [
      'SQL as a direction',
      [{ seq: 'asc; DROP TABLE queue_item' }],
      /order_by.seq must be "asc" or "desc"/,
    ],
    ['an upper-case direction', [{ seq: 'DESC' }], /must be "asc" or "desc"/],
    ['a string', 'seq', /order_by must be an array of objects/],
    ['an array of strings', ['seq'], /order_by must be an array of objects/],
  ])('refuses %s', (_t, orderBy, message) =>
    expect(refusal(() => translateOrderBy(queueItem, orderBy))).toMatch(message),
  );
});

describe('readQueryParams', () => {
  it.each<[string, Record<string, unknown>, object]>([
    ['nothing', {}, {}],
    [
      'every parameter',
      {
        select: '{"dst":true}',
        filter: '{"dst":"a"}',
        order_by: '[{"seq":"asc"}]',
        skip: '5',
        take: '10',
      },
      { select: { dst: true }, filter: { dst: 'a' }, orderBy: [{ seq: 'asc' }], skip: 5, take: 10 },
    ],
    ['take at the cap', { take: String(TAKE_MAX) }, { take: TAKE_MAX }],
    ['zero', { skip: '0', take: '0' }, { skip: 0, take: 0 }],
  ])('%s', (_t, query, expected) => expect(readQueryParams(query, ALL)).toEqual(expected));

  it.each<[string, Record<string, unknown>, QueryParamName[], RegExp]>([
    ['malformed filter', { filter: '{dst:' }, ALL, /query parameter filter is not valid JSON/],
    ['malformed select', { select: 'dst' }, ALL, /query parameter select is not valid JSON/],
    ['malformed order_by', { order_by: '[{' }, ALL, /query parameter order_by is not valid JSON/],
    ['a negative skip', { skip: '-1' }, ALL, /skip must be a non-negative integer/],
    ['a fractional take', { take: '1.5' }, ALL, /take must be a non-negative integer/],
    ['a word for take', { take: 'all' }, ALL, /take must be a non-negative integer/],
    ['take past the cap', { take: String(TAKE_MAX + 1) }, ALL, /take may be at most 1000/],
    ['a repeated parameter', { filter: ['{}', '{}'] }, ALL, /filter is given more than once/],
    [
      'an unknown parameter',
      { orderBy: '[]' },
      ALL,
      /query parameter "orderBy" is not understood here/,
    ],
    [
      'a parameter this endpoint does not take',
      { take: '1' },
      ['filter'],
      /"take" is not understood here; this endpoint takes: filter/,
    ],
    ['any parameter where none is taken', { select: '{}' }, [], /this endpoint takes: none/],
  ])('refuses %s', (_t, query, allowed, message) =>
    expect(refusal(() => readQueryParams(query, allowed))).toMatch(message),
  );
});

import { loadQueries, parseQueryFile, QueryFileError } from '../src/custom/query-file';
import { toPositionalParameters } from '../src/custom/placeholders';
import { parseWaitPreference } from '../src/custom/wait-preference';

describe('the query files of neurelo/queries', () => {
  const queries = new Map(loadQueries().map((q) => [q.name, q]));

  it('include the sixteen queries of the contract, each with its method and variables', () => {
    const signatures = [...queries.values()].map(
      (q) => `${q.method} ${q.name}(${q.variables.map((v) => `${v.name} ${v.type}`).join(', ')})`,
    );
    expect(signatures).toEqual(
      expect.arrayContaining([
        'POST durable_load(owner String)',
        'POST epoch_claim(processId String, holder String, leaseMs Int)',
        'POST epoch_release(processId String, epoch Int)',
        'POST epoch_renew(processId String, epoch Int, leaseMs Int)',
        'POST member_retire(processId String, batchLimit Int)',
        'POST queue_ack(owner String, ids String)',
        'POST queue_claim(dst String, owner String, limit Int, leaseMs Int)',
        'POST queue_dead_letter(owner String, id String, reason String)',
        'GET queue_depth()',
        'DELETE queue_pop(dst String)',
        'DELETE queue_pop_all()',
        'POST queue_push(messages String)',
        'POST queue_reclaim(dst String, owner String)',
        'POST queue_release(owner String, ids String)',
        'POST queue_retention(unknownAfterMs Int, deadLetterAfterMs Int, batchLimit Int)',
        'POST step_commit(processId String, epoch Int, writeSeq Int, acks String, puts String, truncateBelow Int, sends String)',
      ]),
    );
    expect(signatures).toHaveLength(16);
  });

  it('declare the long-poll only on queue_claim, keyed by its destination, capped by its limit', () => {
    const waiting = [...queries.values()].filter((q) => q.wait).map((q) => [q.name, q.wait]);
    expect(waiting).toEqual([
      ['queue_claim', { channel: 'queue_item', variable: 'dst', cap: 'limit' }],
    ]);
  });

  it('bind a variable used several times to one parameter', () => {
    const commit = queries.get('step_commit')!;
    // Numbered by first use: the range checks come first.
    expect(commit.parameters).toEqual([
      'epoch',
      'writeSeq',
      'truncateBelow',
      'processId',
      'acks',
      'puts',
      'sends',
    ]);
    expect(commit.sql).not.toMatch(/\{\{/);
    expect(commit.sql.match(/\$2\b/g)!.length).toBeGreaterThan(1);
  });
});

describe('parseQueryFile', () => {
  const file = (header: string, body = 'SELECT {{ a }}::int AS a') => `${header}\n${body}\n`;

  it('reads the header fields, the free text and the statement', () => {
    const q = parseQueryFile(
      'example',
      file(
        '-- method: get\n-- variables: a Int\n-- Why it exists.\n-- More why.',
        'SELECT {{a}}::int;',
      ),
    );
    expect(q).toEqual({
      name: 'example',
      method: 'GET',
      variables: [{ name: 'a', type: 'Int' }],
      description: 'Why it exists. More why.',
      sql: 'SELECT $1::int',
      parameters: ['a'],
    });
  });

  it.each([
    ['no method', '-- variables: a Int', /no "-- method:"/],
    ['an unknown method', '-- method: FETCH\n-- variables: a Int', /method "FETCH"/],
    ['an unknown type', '-- method: GET\n-- variables: a Integer', /type "Integer"/],
    ['a variable twice', '-- method: GET\n-- variables: a Int, a Int', /declared twice/],
    [
      'an undeclared placeholder',
      '-- method: GET\n-- variables:',
      /\{\{ a \}\} is used but not declared/,
    ],
    [
      'an unused variable',
      '-- method: GET\n-- variables: a Int, b Int',
      /"b" is declared but never used/,
    ],
    [
      'a wait on an undeclared variable',
      '-- method: GET\n-- variables: a Int\n-- wait: queue_item dst',
      /wait variable "dst"/,
    ],
    [
      'a wait capped by an undeclared variable',
      '-- method: GET\n-- variables: a Int\n-- wait: queue_item a n',
      /cap "n" is not a declared Int/,
    ],
    [
      'a wait capped by a String',
      '-- method: GET\n-- variables: a Int, n String\n-- wait: queue_item a n',
      /cap "n" is not a declared Int/,
    ],
    [
      'a wait with four names',
      '-- method: GET\n-- variables: a Int, n Int\n-- wait: queue_item a n a',
      /is not "-- wait: <channel> <variable> \[<cap variable>\]"/,
    ],
  ])('refuses a file with %s', (_case, header, message) => {
    expect(() => parseQueryFile('bad', file(header))).toThrow(QueryFileError);
    expect(() => parseQueryFile('bad', file(header))).toThrow(message);
  });

  it('refuses two statements', () => {
    expect(() =>
      parseQueryFile(
        'two',
        file('-- method: GET\n-- variables: a Int', 'SELECT {{ a }}; SELECT 2'),
      ),
    ).toThrow(/exactly one SQL statement, found 2/);
  });
});

describe('toPositionalParameters', () => {
  it('numbers variables by first use and reuses the number for a second use', () => {
    expect(toPositionalParameters('SELECT {{ b }}, {{a}}, {{ b }}')).toEqual({
      sql: 'SELECT $1, $2, $1',
      parameters: ['b', 'a'],
    });
  });

  it('leaves literals, quoted identifiers, dollar bodies and comments alone', () => {
    const sql = `SELECT '{{ a }}', "{{ a }}", $$ {{ a }} $$, 'it''s {{ a }}' -- {{ a }}\n/* {{ a }} */ {{ x }}`;
    expect(toPositionalParameters(sql)).toEqual({
      sql: sql.replace('{{ x }}', '$1'),
      parameters: ['x'],
    });
  });
});

describe('parseWaitPreference', () => {
  it.each([
    [undefined, undefined],
    ['wait=5', 5],
    ['respond-async, wait=7', 7],
    ['wait="3"', 3],
    ['wait=600', 20],
    ['wait=0', undefined],
    ['wait=soon', undefined],
    ['return=minimal', undefined],
  ])('reads %p as %p seconds', (header, seconds) => {
    expect(parseWaitPreference(header)).toBe(seconds);
  });
});

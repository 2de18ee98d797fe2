import type { CustomQuery } from '../src/custom/custom-query';
import { bindVariables, InvalidVariableError } from '../src/custom/variables';

const query = (method: CustomQuery['method']): CustomQuery => ({
  name: 'example',
  method,
  variables: [
    { name: 'n', type: 'Int' },
    { name: 'x', type: 'Float' },
    { name: 's', type: 'String' },
    { name: 'b', type: 'Boolean' },
    { name: 'list', type: 'Array' },
  ],
  description: '',
  sql: 'SELECT 1',
  parameters: ['n', 'x', 's', 'b', 'list'],
});

const errorOf = (fn: () => unknown): InvalidVariableError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidVariableError) return err;
    throw err;
  }
  throw new Error('expected an InvalidVariableError');
};

describe('bindVariables from a JSON body (POST, PATCH, PUT)', () => {
  const good = { n: -3, x: 1.5, s: 'acceptor-0', b: false, list: ['a', 1] };

  it('keeps values of the declared types', () => {
    expect(bindVariables(query('POST'), good)).toEqual(good);
  });

  it.each([
    ['n', 1.5],
    ['n', '3'],
    ['n', 2 ** 60],
    ['x', 'NaN'],
    ['s', 7],
    ['b', 'true'],
    ['list', '["a"]'],
    ['s', null],
  ])('refuses %s = %p with a 400 that names the variable', (name, value) => {
    const err = errorOf(() => bindVariables(query('POST'), { ...good, [name]: value }));
    expect(err.status).toBe(400);
    expect(err.variable).toBe(name);
    expect(err.message).toContain(`"${name}"`);
  });

  it('refuses a missing and an unknown variable, naming it', () => {
    const { s: _s, ...withoutS } = good;
    expect(errorOf(() => bindVariables(query('POST'), withoutS)).message).toBe(
      'missing variable "s" (String)',
    );
    expect(errorOf(() => bindVariables(query('PUT'), { ...good, extra: 1 })).message).toMatch(
      /unknown variable "extra"/,
    );
  });

  it('refuses a body that is not an object', () => {
    expect(() => bindVariables(query('POST'), [good])).toThrow(/must be a JSON object/);
  });
});

describe('bindVariables from a query string (GET, DELETE)', () => {
  it('parses each type from text', () => {
    expect(
      bindVariables(query('GET'), { n: '42', x: '-2.5e3', s: '42', b: 'true', list: '["a","b"]' }),
    ).toEqual({ n: 42, x: -2500, s: '42', b: true, list: ['a', 'b'] });
  });

  it('takes repeated keys or one bare value as an Array', () => {
    const base = { n: '1', x: '1', s: 'a', b: 'false' };
    expect(bindVariables(query('DELETE'), { ...base, list: ['a', 'b'] }).list).toEqual(['a', 'b']);
    expect(bindVariables(query('DELETE'), { ...base, list: 'a' }).list).toEqual(['a']);
  });

  it.each([
    ['n', '4.2'],
    ['n', 'four'],
    ['x', 'abc'],
    ['b', 'yes'],
    ['s', ['a', 'b']],
    ['list', '[broken'],
  ])('refuses %s = %p, naming the variable', (name, value) => {
    const base = { n: '1', x: '1', s: 'a', b: 'false', list: 'a' };
    expect(errorOf(() => bindVariables(query('GET'), { ...base, [name]: value })).variable).toBe(
      name,
    );
  });
});

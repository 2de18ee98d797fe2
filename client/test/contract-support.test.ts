/**
 * The contract check the client's fleet tests run on every request they send: it must accept
 * what the replica accepts and refuse what it refuses, or the check proves nothing.
 */
import { assertConformsToContract } from './support/contract';

const put = { sessionId: 7, requestId: 1, op: { kind: 'put', key: 'greeting', value: 'hello' } };

describe('assertConformsToContract', () => {
  it('accepts a valid put command, as an object or as JSON text', () => {
    expect(() => assertConformsToContract('POST', '/commands', put)).not.toThrow();
    expect(() =>
      assertConformsToContract('post', 'http://127.0.0.1:8701/commands', JSON.stringify(put)),
    ).not.toThrow();
  });

  it.each([
    ['a put without its value', { ...put, op: { kind: 'put', key: 'greeting' } }, /value/],
    [
      'an unknown op',
      { ...put, op: { kind: 'increment', key: 'greeting' } },
      /op\/kind must be one of/,
    ],
    ['request number 0', { ...put, requestId: 0 }, /requestId/],
    ['a session id as text', { ...put, sessionId: '7' }, /sessionId/],
    ['an empty key', { ...put, op: { kind: 'get', key: '' } }, /op/],
    [
      'a list with both a prefix and a range',
      { ...put, op: { kind: 'list', prefix: 'a', start: 'b' } },
      /op breaks the rule: a prefix or a range \(start, end\), not both/,
    ],
  ])('rejects %s, naming the field', (_what, body, field) => {
    expect(() => assertConformsToContract('POST', '/commands', body)).toThrow(
      /POST \/commands: the body does not conform to the contract/,
    );
    expect(() => assertConformsToContract('POST', '/commands', body)).toThrow(field);
  });

  it('rejects a command with no body, a body that is not JSON, and a route not in the contract', () => {
    expect(() => assertConformsToContract('POST', '/commands')).toThrow(/requires a JSON body/);
    expect(() => assertConformsToContract('POST', '/commands', 'key=value')).toThrow(/not JSON/);
    expect(() => assertConformsToContract('DELETE', '/commands', put)).toThrow(
      /DELETE \/commands is not in the contract/,
    );
  });

  it('accepts a list by prefix, by range, or of every key', () => {
    for (const op of [
      { kind: 'list', prefix: 'app/' },
      { kind: 'list', start: 'a', end: 'm', limit: 10 },
      { kind: 'list' },
    ]) {
      expect(() => assertConformsToContract('POST', '/commands', { ...put, op })).not.toThrow();
    }
  });

  it('accepts a session registration with an empty body or {}', () => {
    expect(() => assertConformsToContract('POST', '/sessions')).not.toThrow();
    expect(() => assertConformsToContract('POST', '/sessions', {})).not.toThrow();
    expect(() => assertConformsToContract('POST', '/sessions', { name: 'x' })).toThrow(/body/);
  });

  it('checks the query of a watch', () => {
    expect(() => assertConformsToContract('GET', '/watch?prefix=app/&from=16384')).not.toThrow();
    expect(() => assertConformsToContract('GET', '/watch?fromSlot=3')).not.toThrow();
    expect(() => assertConformsToContract('GET', '/watch?from=-1')).toThrow(/from/);
    expect(() => assertConformsToContract('GET', '/watch?since=3')).toThrow(
      /declares no query parameter since/,
    );
    expect(() => assertConformsToContract('GET', '/watch', { prefix: 'a' })).toThrow(/no body/);
  });
});

import { ApiError, toErrorResponse } from '../src/http/api-error';
import { DatabaseUnavailableError } from '../src/db/database';

const withCode = (message: string, code: string): Error =>
  Object.assign(new Error(message), { code });

describe('how an error is answered', () => {
  it.each([
    // Connection-level failures of node-postgres: the database is out of reach.
    ['connection refused', withCode('connect ECONNREFUSED 10.0.0.5:5432', 'ECONNREFUSED'), 503],
    ['name lookup failed', withCode('getaddrinfo ENOTFOUND postgres', 'ENOTFOUND'), 503],
    ['name lookup stalled', withCode('getaddrinfo EAI_AGAIN postgres', 'EAI_AGAIN'), 503],
    ["the client's own connect timer", new Error('timeout expired'), 503],
    ["the pool's connect timer", new Error('Connection terminated due to connection timeout'), 503],
    ['no pooled connection in time', new Error('timeout exceeded when trying to connect'), 503],
    ['the server shut down', withCode('terminating connection', '57P01'), 503],
    ['too many connections', withCode('sorry, too many clients already', '53300'), 503],
    ['the storage said so', new DatabaseUnavailableError('gone'), 503],
    // The caller's fault.
    ['invalid JSON value', withCode('invalid input syntax for type json', '22P02'), 400],
    ['a required field missing', withCode('null value in column', '23502'), 400],
    ['an API error', new ApiError(404, 'no such object'), 404],
    // Anything else is ours.
    ['a statement timeout is not an outage', withCode('canceling statement', '57014'), 500],
    ['a message that merely mentions a timeout', new Error('query timeout expired early'), 500],
    ['a plain bug', new TypeError('x is undefined'), 500],
  ])('%s -> %i', (_label, err, status) => {
    expect(toErrorResponse(err).status).toBe(status);
  });
});

describe('what a data error says', () => {
  const pgError = (message: string, code: string, detail?: string): Error =>
    Object.assign(new Error(message), { code, ...(detail ? { detail } : {}) });

  it.each<[string, Error, object]>([
    [
      "a query's range check: its sentence, naming the variable",
      pgError(
        'invalid input syntax for type boolean: "leaseMs must be 100..600000, got 5"',
        '22P02',
      ),
      {
        error: 'leaseMs must be 100..600000, got 5',
        details: { code: '22P02', variable: 'leaseMs' },
      },
    ],
    [
      "Postgres's message with its detail",
      pgError(
        'unsupported Unicode escape sequence',
        '22P05',
        '\\u0000 cannot be converted to text.',
      ),
      {
        error: 'unsupported Unicode escape sequence: \\u0000 cannot be converted to text.',
        details: { code: '22P05' },
      },
    ],
    [
      'any other cast that fails, as Postgres says it',
      pgError('invalid input syntax for type boolean: "maybe"', '22P02'),
      { error: 'invalid input syntax for type boolean: "maybe"', details: { code: '22P02' } },
    ],
  ])('%s', (_case, err, body) => {
    expect(toErrorResponse(err)).toEqual({ status: 400, body: { errors: [body] } });
  });
});

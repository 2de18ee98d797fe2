import { ConfigError, type DataApiConfig, loadDataApiConfig } from '@paxos/shared';

const KEY = 'neurelo_secret_value_123';

describe('loadDataApiConfig', () => {
  const good: Array<[string, Record<string, string>, DataApiConfig]> = [
    [
      'defaults to the local server',
      { NEURELO_API_KEY: KEY },
      { baseUrl: 'http://127.0.0.1:7070', apiKey: KEY, timeoutMs: 10_000, retries: 5 },
    ],
    [
      'reads every setting and trims the trailing slash',
      {
        NEURELO_API_BASE: 'https://us-east-2.aws.neurelo.com/',
        NEURELO_API_KEY: KEY,
        DATA_API_TIMEOUT_MS: '2500',
        DATA_API_RETRIES: '0',
      },
      { baseUrl: 'https://us-east-2.aws.neurelo.com', apiKey: KEY, timeoutMs: 2_500, retries: 0 },
    ],
    [
      "accepts the SDK's NEURELO_API_BASE_PATH",
      { NEURELO_API_BASE_PATH: 'https://example.neurelo.com', NEURELO_API_KEY: KEY },
      { baseUrl: 'https://example.neurelo.com', apiKey: KEY, timeoutMs: 10_000, retries: 5 },
    ],
    [
      'prefers NEURELO_API_BASE when both are set',
      {
        NEURELO_API_BASE: 'http://localhost:9000',
        NEURELO_API_BASE_PATH: 'https://example.neurelo.com',
        NEURELO_API_KEY: KEY,
      },
      { baseUrl: 'http://localhost:9000', apiKey: KEY, timeoutMs: 10_000, retries: 5 },
    ],
  ];
  it.each(good)('%s', (_name, env, expected) => {
    expect(loadDataApiConfig(env)).toEqual(expected);
  });

  const bad: Array<[string, Record<string, string>, string]> = [
    ['a missing key', {}, 'NEURELO_API_KEY'],
    ['a blank key', { NEURELO_API_KEY: '  ' }, 'NEURELO_API_KEY'],
    [
      'a base that is not a URL',
      { NEURELO_API_KEY: KEY, NEURELO_API_BASE: 'neurelo' },
      'NEURELO_API_BASE',
    ],
    [
      'a base that is not http',
      { NEURELO_API_KEY: KEY, NEURELO_API_BASE: 'ftp://x.com' },
      'NEURELO_API_BASE',
    ],
    [
      'a bad alias',
      { NEURELO_API_KEY: KEY, NEURELO_API_BASE_PATH: 'nope' },
      'NEURELO_API_BASE_PATH',
    ],
    [
      'a timeout in words',
      { NEURELO_API_KEY: KEY, DATA_API_TIMEOUT_MS: 'ten' },
      'DATA_API_TIMEOUT_MS',
    ],
    ['a zero timeout', { NEURELO_API_KEY: KEY, DATA_API_TIMEOUT_MS: '0' }, 'DATA_API_TIMEOUT_MS'],
    ['negative retries', { NEURELO_API_KEY: KEY, DATA_API_RETRIES: '-1' }, 'DATA_API_RETRIES'],
  ];
  it.each(bad)('refuses %s, naming the variable and never the key', (_name, env, variable) => {
    const error = (() => {
      try {
        loadDataApiConfig(env);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ variable });
    expect((error as Error).message).toMatch(new RegExp(`^${variable}: `));
    expect((error as Error).message).not.toContain(KEY);
  });
});

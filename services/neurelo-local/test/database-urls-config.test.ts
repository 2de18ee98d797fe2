import { ConfigError, loadConfig } from '../src/config';

const base = { NEURELO_API_KEY: 'a-local-test-key-0123456789' };
const nodes = 'postgres://postgres@127.0.0.1:5441/paxos, postgres://postgres@127.0.0.1:5442/paxos';

function refusal(env: Record<string, string>): { variable: string; message: string } {
  try {
    loadConfig({ ...base, ...env });
  } catch (err) {
    if (err instanceof ConfigError) return { variable: err.variable, message: err.message };
    throw err;
  }
  throw new Error('the configuration was accepted');
}

describe('DATABASE_URLS: the nodes of a highly available PostgreSQL', () => {
  it('reads the comma-separated URLs, spaces around them ignored', () => {
    const c = loadConfig({ ...base, DATABASE_URLS: nodes });
    expect(c.databaseUrls).toEqual([
      'postgres://postgres@127.0.0.1:5441/paxos',
      'postgres://postgres@127.0.0.1:5442/paxos',
    ]);
    expect(c.databaseUrl).toBeUndefined();
  });

  it('leaves the single-URL setting as it was', () => {
    const c = loadConfig({ ...base, DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' });
    expect(c.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/test');
    expect(c.databaseUrls).toBeUndefined();
  });

  it('refuses a value that is not a list of postgres URLs, without echoing it', () => {
    const bad = refusal({ DATABASE_URLS: 'postgres://u:secret@a/db,mysql://u:secret@b/db' });
    expect(bad).toEqual({
      variable: 'DATABASE_URLS',
      message:
        'invalid configuration: DATABASE_URLS must be postgres:// or postgresql:// URLs separated by commas',
    });
    expect(refusal({ DATABASE_URLS: 'postgres://a/db,,postgres://b/db' }).variable).toBe(
      'DATABASE_URLS',
    );
    expect(refusal({ DATABASE_URLS: 'postgres://a/db' }).message).toBe(
      'invalid configuration: DATABASE_URLS must name every node of the cluster, two at least, separated by commas',
    );
  });

  it('refuses DATABASE_URL and DATABASE_URLS together', () => {
    expect(refusal({ DATABASE_URL: 'postgres://a/db', DATABASE_URLS: nodes }).message).toMatch(
      /^invalid configuration: DATABASE_URLS and DATABASE_URL are both set/,
    );
  });
});

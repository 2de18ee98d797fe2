import { loadDashboardConfig } from '../src/config/dashboard-env';
import { parseFleetTargets } from '../src/config/fleet-targets';

const TARGETS =
  'acceptor-0=http://acceptor-0:8080, leader-0=http://leader-0:8080/ ,replica-0=http://10.0.0.5:9000';
const base = {
  FLEET_TARGETS: TARGETS,
  NEURELO_API_KEY: 'key',
  NEURELO_API_BASE: 'http://neurelo:7070',
};

describe('parseFleetTargets', () => {
  it('reads name=url pairs, takes the role from the name and drops trailing slashes', () => {
    expect(parseFleetTargets(TARGETS)).toEqual({
      ok: true,
      targets: [
        { name: 'acceptor-0', role: 'acceptor', url: 'http://acceptor-0:8080' },
        { name: 'leader-0', role: 'leader', url: 'http://leader-0:8080' },
        { name: 'replica-0', role: 'replica', url: 'http://10.0.0.5:9000' },
      ],
    });
  });

  it.each([
    ['', /lists no service/],
    ['leader-0', /is not name=url/],
    ['proxy-0=http://p:1', /must start with acceptor, leader or replica/],
    ['leader-0=ftp://x', /is not an http\(s\) URL/],
    ['leader-0=http://a:1,leader-0=http://b:1', /listed twice/],
  ])('refuses %j', (text, problem) => {
    const parsed = parseFleetTargets(text);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.problem).toMatch(problem);
  });
});

describe('loadDashboardConfig', () => {
  it('applies the defaults of the contract (port 8090 on loopback only, no control)', () => {
    const c = loadDashboardConfig(base);
    expect(c.port).toBe(8090);
    expect(c.host).toBe('127.0.0.1');
    expect(c.production).toBe(false);
    expect(c.clientKey).toBeNull();
    expect([...c.allowedOrigins]).toEqual([]);
    expect(c.controlFile).toBeNull();
    expect(c.targets).toHaveLength(3);
    expect(c.dataApi.baseUrl).toBe('http://neurelo:7070');
  });

  it('takes the control file that enables local fleet mode', () => {
    expect(loadDashboardConfig({ ...base, FLEET_CONTROL_FILE: '/x/fleet.json' }).controlFile).toBe(
      '/x/fleet.json',
    );
  });

  it('takes where to find members that FLEET_TARGETS does not list (unset: nowhere)', () => {
    expect(loadDashboardConfig(base).memberUrl).toBeNull();
    expect(loadDashboardConfig({ ...base, FLEET_MEMBER_URL: 'http://{id}:8080/' }).memberUrl).toBe(
      'http://{id}:8080',
    );
  });

  it.each([
    [{ FLEET_MEMBER_URL: 'http://acceptor-3:8080' }, 'FLEET_MEMBER_URL'],
    [{ FLEET_MEMBER_URL: 'ftp://{id}' }, 'FLEET_MEMBER_URL'],
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ FLEET_TARGETS: undefined }, 'FLEET_TARGETS'],
    [{ FLEET_TARGETS: 'leader-0=nope' }, 'FLEET_TARGETS'],
    [{ SCRAPE_INTERVAL_MS: '5' }, 'SCRAPE_INTERVAL_MS'],
    [{ NEURELO_API_KEY: undefined }, 'NEURELO_API_KEY'],
    [{ NEURELO_API_BASE: 'not a url' }, 'NEURELO_API_BASE'],
  ])('a bad %j stops it with a message naming %s', (override, variable) => {
    expect(() => loadDashboardConfig({ ...base, ...override })).toThrow(variable);
  });

  it('makes a token at each start when DASHBOARD_TOKEN is unset, else takes it', () => {
    const made = loadDashboardConfig(base);
    expect(made.tokenGenerated).toBe(true);
    expect(made.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(loadDashboardConfig(base).token).not.toBe(made.token);
    expect(loadDashboardConfig({ ...base, DASHBOARD_TOKEN: '' }).tokenGenerated).toBe(true);
    const given = loadDashboardConfig({ ...base, DASHBOARD_TOKEN: 'mine' });
    expect([given.token, given.tokenGenerated]).toEqual(['mine', false]);
  });

  it('takes the relay key and the allowed origins (as origins: default port dropped)', () => {
    const c = loadDashboardConfig({
      ...base,
      PAXOS_KEY: 'pxk_abc',
      ALLOWED_ORIGINS: 'https://ops.example.org:443, http://10.0.0.9:8090',
    });
    expect(c.clientKey).toBe('pxk_abc');
    expect([...c.allowedOrigins]).toEqual(['https://ops.example.org', 'http://10.0.0.9:8090']);
    expect(() => loadDashboardConfig({ ...base, ALLOWED_ORIGINS: 'ops.example.org' })).toThrow(
      'ALLOWED_ORIGINS',
    );
  });

  describe('production mode (PAXOS_PRODUCTION=true)', () => {
    const strong = 'Zq8Xr1c4LmN0pT7wVb2yHs5k';
    const production = {
      ...base,
      PAXOS_PRODUCTION: 'true',
      DASHBOARD_TOKEN: strong,
      NEURELO_API_KEY: `${strong}-api`,
      DATA_API_PLAIN_HTTP_HOSTS: 'neurelo, neurelo.durable-paxos.svc',
    };

    it('warns outside production of what it would refuse', () => {
      const c = loadDashboardConfig({
        ...production,
        PAXOS_PRODUCTION: 'false',
        NEURELO_API_KEY: 'k',
      });
      expect(c.securityWarnings).toEqual([expect.stringMatching(/NEURELO_API_KEY is shorter/)]);
    });

    it('starts with strong secrets and a listed plain-http data API host', () => {
      expect(loadDashboardConfig(production).production).toBe(true);
      expect(
        loadDashboardConfig({ ...production, NEURELO_API_BASE: 'https://api.example.net' })
          .production,
      ).toBe(true);
      expect(
        loadDashboardConfig({ ...production, NEURELO_API_BASE: 'http://127.0.0.1:7070' })
          .production,
      ).toBe(true);
    });

    it.each([
      [{ DASHBOARD_TOKEN: undefined }, /DASHBOARD_TOKEN is required/],
      [{ DASHBOARD_TOKEN: '' }, /DASHBOARD_TOKEN is required/],
      [{ DASHBOARD_TOKEN: 'short-but-real' }, /DASHBOARD_TOKEN is shorter than 24/],
      [
        { DASHBOARD_TOKEN: 'replace-me-with-openssl-rand-hex-24' },
        /DASHBOARD_TOKEN is a published example/,
      ],
      [
        { NEURELO_API_KEY: 'replace-me-with-openssl-rand-hex-24' },
        /NEURELO_API_KEY is a published example/,
      ],
      [
        { PAXOS_KEY: 'pxk_EXAMPLE-do-not-use-4mVq0b8dJ2xR7tL1nW5sK9yP3cH6gF0' },
        /PAXOS_KEY is a published example/,
      ],
      [{ NEURELO_API_KEY: 'key' }, /NEURELO_API_KEY is shorter/],
      [{ NEURELO_API_BASE: 'http://db.example.net:8080' }, /plain http:\/\/ to db\.example\.net/],
      [{ DATA_API_PLAIN_HTTP_HOSTS: '' }, /DATA_API_PLAIN_HTTP_HOSTS/],
    ])('refuses %j', (override, problem) => {
      expect(() => loadDashboardConfig({ ...production, ...override })).toThrow(problem);
    });

    it('names the variables, never the secrets', () => {
      expect(() =>
        loadDashboardConfig({ ...production, DASHBOARD_TOKEN: 'short-secret-42' }),
      ).not.toThrow(/short-secret-42/);
    });
  });

  it('never puts the API key in an error message', () => {
    expect(() =>
      loadDashboardConfig({ ...base, NEURELO_API_KEY: 'secret-key', PORT: 'x' }),
    ).not.toThrow(/secret-key/);
  });
});

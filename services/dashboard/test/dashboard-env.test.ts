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
  it('applies the defaults of the contract (port 8090 on every interface, no control)', () => {
    const c = loadDashboardConfig(base);
    expect(c.port).toBe(8090);
    expect(c.host).toBe('0.0.0.0');
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

  it('never puts the API key in an error message', () => {
    expect(() =>
      loadDashboardConfig({ ...base, NEURELO_API_KEY: 'secret-key', PORT: 'x' }),
    ).not.toThrow(/secret-key/);
  });
});

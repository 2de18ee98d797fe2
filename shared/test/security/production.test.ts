import {
  PUBLISHED_EXAMPLE_KEYS,
  ProductionEnvSchema,
  clientKeyEntry,
  ClientKeysEnvSchema,
  isLoopbackHost,
  plainHttpProblem,
  productionRefusal,
  reviewSecurity,
  weakSecretProblem,
} from '@paxos/shared';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const STRONG = 'f3a9c1e07b5d2846a1c9e3f5b7d90214';
const ROOT = path.resolve(__dirname, '..', '..', '..');

describe('published example keys', () => {
  it.each(['k8s/secret.example.yaml', 'docs/security.md'])(
    'every placeholder value in %s is listed',
    (file) => {
      const text = readFileSync(path.join(ROOT, file), 'utf8');
      const placeholders = [...text.matchAll(/(?:replace-me[\w-]*|pxk_EXAMPLE[\w-]*)/g)].map(
        (m) => m[0],
      );
      expect(placeholders.length).toBeGreaterThan(0);
      for (const p of placeholders) expect(PUBLISHED_EXAMPLE_KEYS).toContain(p);
    },
  );
});

describe('weakSecretProblem', () => {
  it.each([
    ['replace-me-with-openssl-rand-hex-24', 'published example'],
    ['short-key', 'shorter than 24'],
    ['abababababababababababababab', 'repeats a few characters'],
  ])('refuses %s', (value, problem) => {
    const found = weakSecretProblem('ADMIN_KEY', value);
    expect(found).toContain(problem);
    expect(found).not.toContain(value);
  });

  it('accepts a random secret', () => {
    expect(weakSecretProblem('ADMIN_KEY', STRONG)).toBeNull();
  });
});

describe('plain-http data API', () => {
  it.each(['localhost', '127.0.0.1', '127.1.2.3', '[::1]', 'api.localhost'])(
    '%s is loopback',
    (h) => expect(isLoopbackHost(h)).toBe(true),
  );
  it.each(['neurelo', '10.0.0.1', 'localhost.example.com', '128.0.0.1'])(
    '%s is not loopback',
    (h) => expect(isLoopbackHost(h)).toBe(false),
  );

  it('allows https, loopback and listed hosts; names the rest', () => {
    const hosts = ['neurelo'];
    expect(plainHttpProblem('NEURELO_API_BASE', 'https://api.example.com', hosts)).toBeNull();
    expect(plainHttpProblem('NEURELO_API_BASE', 'http://127.0.0.1:7070', hosts)).toBeNull();
    expect(plainHttpProblem('NEURELO_API_BASE', 'http://neurelo:8080', hosts)).toBeNull();
    expect(plainHttpProblem('NEURELO_API_BASE', 'http://NEURELO:8080', hosts)).toBeNull();
    expect(plainHttpProblem('NEURELO_API_BASE', 'http://db.example.com', hosts)).toContain(
      'NEURELO_API_BASE is plain http:// to db.example.com',
    );
  });
});

describe('reviewSecurity', () => {
  const exampleEntry = clientKeyEntry('copied', 'write', PUBLISHED_EXAMPLE_KEYS[1]!);
  const unsafe = {
    secrets: { NEURELO_API_KEY: 'replace-me-with-openssl-rand-hex-24', ADMIN_KEY: 'tiny' },
    clientKeys: null,
    dataApi: { variable: 'NEURELO_API_BASE', baseUrl: 'http://db.example.com' },
    plainHttpHosts: [],
  };

  it('in production, lists every problem at once', () => {
    const { problems, warnings } = reviewSecurity({ ...unsafe, production: true });
    expect(warnings).toEqual([]);
    expect(problems).toEqual([
      expect.stringContaining('NEURELO_API_KEY is a published example value'),
      expect.stringContaining('ADMIN_KEY is shorter than 24 characters'),
      expect.stringContaining('CLIENT_KEYS is not set'),
      expect.stringContaining('plain http:// to db.example.com'),
    ]);
    const message = productionRefusal(problems);
    expect(message).toMatch(/^PAXOS_PRODUCTION=true refuses to start \(4 problems\)/);
    expect(message).not.toContain('replace-me');
  });

  it('refuses a CLIENT_KEYS entry that is the hash of a published example key', () => {
    const keys = ClientKeysEnvSchema.parse(exampleEntry);
    const { problems } = reviewSecurity({
      production: true,
      secrets: { NEURELO_API_KEY: STRONG },
      clientKeys: keys,
      plainHttpHosts: [],
    });
    expect(problems).toEqual(['CLIENT_KEYS entry copied is the hash of a published example key']);
  });

  it('outside production, the same findings are warnings only', () => {
    const { problems, warnings } = reviewSecurity({ ...unsafe, production: false });
    expect(problems).toEqual([]);
    expect(warnings).toHaveLength(4);
  });

  it('a safe production setup passes; a service without client keys is not asked for them', () => {
    const keys = ClientKeysEnvSchema.parse(clientKeyEntry('app', 'write', `pxk_${STRONG}`));
    const safe = {
      production: true,
      secrets: { NEURELO_API_KEY: STRONG, DASHBOARD_TOKEN: undefined },
      dataApi: { variable: 'NEURELO_API_BASE', baseUrl: 'http://neurelo:8080' },
      plainHttpHosts: ['neurelo'],
    };
    expect(reviewSecurity({ ...safe, clientKeys: keys }).problems).toEqual([]);
    expect(reviewSecurity(safe).problems).toEqual([]);
  });

  it('reads PAXOS_PRODUCTION and DATA_API_PLAIN_HTTP_HOSTS', () => {
    expect(ProductionEnvSchema.parse({})).toEqual({
      PAXOS_PRODUCTION: false,
      DATA_API_PLAIN_HTTP_HOSTS: [],
    });
    expect(
      ProductionEnvSchema.parse({
        PAXOS_PRODUCTION: 'true',
        DATA_API_PLAIN_HTTP_HOSTS: 'neurelo, Neurelo.paxos.svc ',
      }),
    ).toEqual({
      PAXOS_PRODUCTION: true,
      DATA_API_PLAIN_HTTP_HOSTS: ['neurelo', 'neurelo.paxos.svc'],
    });
    expect(ProductionEnvSchema.safeParse({ PAXOS_PRODUCTION: 'yes' }).success).toBe(false);
  });
});

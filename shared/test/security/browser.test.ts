import { browserRequestRefusal, isJsonMediaType, parseAllowedOrigins } from '@paxos/shared';

const json = 'application/json';
const facts = (o: Partial<Parameters<typeof browserRequestRefusal>[0]>) => ({
  origin: undefined,
  host: '127.0.0.1:8151',
  contentType: json,
  hasBody: true,
  ...o,
});
const none = new Set<string>();

describe('browserRequestRefusal', () => {
  it('lets a JSON request without Origin (curl, a server) through', () => {
    expect(browserRequestRefusal(facts({}), none)).toBeNull();
  });

  it('lets the replica’s own page and listed origins through', () => {
    expect(browserRequestRefusal(facts({ origin: 'http://127.0.0.1:8151' }), none)).toBeNull();
    const allowed = parseAllowedOrigins('https://app.example.com');
    expect(browserRequestRefusal(facts({ origin: 'https://app.example.com' }), allowed)).toBeNull();
  });

  it.each(['http://evil.example', 'http://127.0.0.1:8152', 'null', 'not a url'])(
    'refuses Origin %s with 403 origin-refused, before looking at the body',
    (origin) => {
      expect(
        browserRequestRefusal(facts({ origin, contentType: 'text/plain' }), none),
      ).toMatchObject({ status: 403, code: 'origin-refused' });
    },
  );

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])(
    'refuses a %s body with 415',
    (contentType) => {
      expect(browserRequestRefusal(facts({ contentType }), none)).toMatchObject({
        status: 415,
        code: 'unsupported-media-type',
      });
    },
  );

  it('a body needs a type; an empty request does not', () => {
    expect(browserRequestRefusal(facts({ contentType: undefined }), none)).toMatchObject({
      status: 415,
    });
    expect(
      browserRequestRefusal(facts({ contentType: undefined, hasBody: false }), none),
    ).toBeNull();
  });

  it('reads media types with parameters and in any case', () => {
    expect(isJsonMediaType('Application/JSON; charset=utf-8')).toBe(true);
    expect(isJsonMediaType('application/json-patch+json')).toBe(false);
  });
});

describe('parseAllowedOrigins', () => {
  it('normalises origins', () => {
    expect([
      ...parseAllowedOrigins(' https://App.Example.com:443 , http://localhost:3000'),
    ]).toEqual(['https://app.example.com', 'http://localhost:3000']);
  });
  it.each(['app.example.com', 'https://app.example.com/path', 'file:///tmp/x'])(
    'refuses %s',
    (raw) => {
      expect(() => parseAllowedOrigins(raw)).toThrow('is not an origin');
    },
  );
});

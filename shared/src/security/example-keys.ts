import { hashClientKey } from './client-keys';

/**
 * Every key value this repository publishes as an example (manifests, .env.example, README and
 * docs). Anyone can read them, so production mode refuses each of them as a secret, and refuses
 * a CLIENT_KEYS entry whose hash is one of theirs. A new example anywhere in the repository
 * belongs in this list (shared/test/security/example-keys.test.ts checks the files named here).
 */
export const PUBLISHED_EXAMPLE_KEYS: readonly string[] = Object.freeze([
  // k8s/secret.example.yaml: NEURELO_API_KEY, POSTGRES_PASSWORD and ADMIN_KEY.
  'replace-me-with-openssl-rand-hex-24',
  // docs/security.md: the key of the CLIENT_KEYS walk-through, and its read-only companion.
  'pxk_EXAMPLE-do-not-use-4mVq0b8dJ2xR7tL1nW5sK9yP3cH6gF0',
  'pxk_EXAMPLE-read-only-do-not-use-8nB2vX5qL0tR3wK7mJ1d',
  // The usual placeholders, in case a template is copied without being filled in.
  'changeme',
  'change-me',
  'replace-me',
  'secret',
  'password',
  'example',
]);

/** Hashes of the published examples, as CLIENT_KEYS would list them. */
export const PUBLISHED_EXAMPLE_KEY_HASHES: ReadonlySet<string> = new Set(
  PUBLISHED_EXAMPLE_KEYS.map(hashClientKey),
);

export function isPublishedExampleKey(value: string): boolean {
  return PUBLISHED_EXAMPLE_KEYS.includes(value.trim());
}

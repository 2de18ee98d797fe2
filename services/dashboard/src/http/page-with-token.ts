import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The placeholder in public/index.html that the token fills. */
const TOKEN_META = '<meta name="dashboard-token" content="" />';

const escapeAttribute = (text: string): string =>
  text
    .replaceAll('&', '&amp;')
    .replaceAll('"', '&quot;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;');

/**
 * The page with the state-change token in a meta tag, which its script sends back in a
 * header. A page on another origin can make a browser fetch this page but cannot read the
 * answer (no CORS headers are sent), so it never learns the token. Built once, at start.
 */
export function pageWithToken(publicDir: string, token: string): string {
  const html = readFileSync(path.join(publicDir, 'index.html'), 'utf8');
  if (!html.includes(TOKEN_META)) {
    throw new Error(`index.html lacks the token placeholder ${TOKEN_META}`);
  }
  return html.replace(
    TOKEN_META,
    `<meta name="dashboard-token" content="${escapeAttribute(token)}" />`,
  );
}

import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { copyCheckout } from '../../tools/src/doc-blocks/checkout-copy';

/**
 * A copy of the checkout at `root` (tools/src/doc-blocks/checkout-copy.ts says what it holds)
 * in a new folder `<tmp>/<random>/<name>`; removing its parent removes everything.
 */
export function copyOfCheckout(root: string, name: string): string {
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), `${name}-`)), name);
  copyCheckout(root, dir);
  return dir;
}

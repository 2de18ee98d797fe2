/**
 * The image's entry point: `SERVICE=acceptor` (or `docker run <image> acceptor`) loads that
 * service's bundle into this process, so the service itself is PID 1 and receives SIGTERM.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { IMAGE_SERVICES, resolveService } from './services';

// deploy/bundle.mjs maps each module's __dirname to its source folder under the image root.
const BUNDLES_DIR = path.resolve(__dirname, '..', '..', 'bundles');

const requested = process.argv[2] ?? process.env.SERVICE;
const service = resolveService(requested);
if (service === null) {
  const names = Object.keys(IMAGE_SERVICES).join(' | ');
  console.error(
    `start: ${requested ? `unknown service "${requested}"` : 'no service chosen'}; set SERVICE (or pass it as the command): ${names}`,
  );
  process.exit(2);
}
const bundle = path.join(BUNDLES_DIR, `${service}.js`);
if (!existsSync(bundle)) {
  console.error(
    `start: this image was built without the ${service} service (${bundle} is missing)`,
  );
  process.exit(2);
}
process.env.SERVICE = service;
// eslint-disable-next-line @typescript-eslint/no-require-imports
require(bundle);

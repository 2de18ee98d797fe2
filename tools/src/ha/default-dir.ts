import path from 'node:path';
import { defaultFleetOptions } from '../fleet/topology';

/** The HA cluster of `npm run fleet -- up --ha`: beside the fleet's logs, `$FLEET_DIR/run/ha`. */
export const defaultHaDir = (env: NodeJS.ProcessEnv = process.env): string =>
  path.join(defaultFleetOptions(env).workDir, 'run', 'ha');

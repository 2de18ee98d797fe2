import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * The fleet runner's state file (`npm run fleet -- up` writes .fleet/run/fleet.json): every
 * service's launch spec and pid. Loose objects, so a field the runner adds later survives our
 * rewrite of the file.
 */
export const ControlFileSchema = z.looseObject({
  logDir: z.string().min(1),
  services: z.array(
    z.looseObject({
      name: z.string().min(1),
      kind: z.string().min(1),
      port: z.number().int(),
      entry: z.string().min(1),
      env: z.record(z.string(), z.string()),
      pid: z.number().int().positive().nullable(),
    }),
  ),
});
export type ControlFile = z.infer<typeof ControlFileSchema>;
export type ControlledService = ControlFile['services'][number];

export class ControlFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ControlFileError';
  }
}

export function readControlFile(file: string): ControlFile {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ControlFileError(
      `cannot read the fleet state file ${file}: ${(err as Error).message}`,
    );
  }
  const parsed = ControlFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ControlFileError(
      `the fleet state file ${file} is not what the fleet runner writes: ${issue?.path.join('.')}: ${issue?.message}`,
    );
  }
  return parsed.data;
}

/**
 * Replaces the file in one rename, so the fleet runner never reads half of it. It holds the
 * data API key, hence readable by this user only, as the runner makes it.
 */
export function writeControlFile(file: string, content: ControlFile): void {
  const temporary = `${file}.dashboard-${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(content, null, 2), { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
}

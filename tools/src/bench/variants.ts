import { migrate, openDatabase } from '@paxos/neurelo-local';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../fleet/topology';

/**
 * Bench-only schema variants (neurelo/variants/<name>/): `migrations/` run after the
 * project's own on a fresh bench database; `queries/` replace the project's query files of the
 * same name. A replaced query was derived from the original whose sha256 `derived-from.json`
 * records, so a change to the original is noticed (the variant would measure stale SQL).
 */
export const NEURELO_DIR = path.join(REPO_ROOT, 'neurelo');
export const VARIANTS_DIR = path.join(NEURELO_DIR, 'variants');

export function variantMigrationsDir(variant: string): string {
  return path.join(VARIANTS_DIR, variant, 'migrations');
}

function variantQueriesDir(variant: string): string {
  return path.join(VARIANTS_DIR, variant, 'queries');
}

/**
 * The query folder the local Neurelo server should load for `variant`: the project's queries
 * with the variant's replacements, copied under `workDir`; undefined when it replaces none.
 */
export function materializeQueries(variant: string, workDir: string): string | undefined {
  const overlay = variantQueriesDir(variant);
  if (!existsSync(overlay)) return undefined;
  const out = path.join(workDir, 'queries');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const base = path.join(NEURELO_DIR, 'queries');
  for (const f of readdirSync(base).filter((f) => f.endsWith('.sql'))) {
    copyFileSync(path.join(base, f), path.join(out, f));
  }
  for (const f of readdirSync(overlay).filter((f) => f.endsWith('.sql'))) {
    copyFileSync(path.join(overlay, f), path.join(out, f));
  }
  return out;
}

/** Replaced queries whose original has changed since the variant was derived from it. */
export function staleVariantQueries(variant: string): string[] {
  const file = path.join(variantQueriesDir(variant), 'derived-from.json');
  if (!existsSync(file)) return [];
  const recorded = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  return Object.entries(recorded)
    .filter(([name, hash]) => sha256OfQuery(name) !== hash)
    .map(([name]) => name);
}

export function sha256OfQuery(name: string): string | null {
  const f = path.join(NEURELO_DIR, 'queries', name);
  if (!existsSync(f)) return null;
  return createHash('sha256').update(readFileSync(f)).digest('hex');
}

/**
 * The project's migrations, then the variant's if it has any (one that only replaces queries
 * has none), before the server starts (it finds them applied).
 */
export async function migrateVariant(databaseUrl: string, variant: string): Promise<void> {
  const db = await openDatabase({ databaseUrl, poolSize: 1 });
  try {
    await migrate(db);
    const dir = variantMigrationsDir(variant);
    if (existsSync(dir)) await migrate(db, dir);
  } finally {
    await db.close();
  }
}

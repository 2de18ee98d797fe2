/**
 * `npm run build:image`: compiles every service of the image into one CommonJS bundle each
 * (dist/image/bundles/<service>.js), with the workspace packages (@paxos/*) inlined and npm
 * packages left external: the image installs those with `npm ci --omit=dev`, which keeps
 * PGlite's WebAssembly and data files where PGlite looks for them.
 *
 * dist/image is laid out like the image's /app: bundles/, neurelo/ (migrations, queries,
 * schema) and each service's public/ folder, at the paths the sources expect them.
 */
import { build, type Metafile, type Plugin } from 'esbuild';
import { cpSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { IMAGE_SERVICES } from './image/services';

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, 'dist', 'image');
const BUNDLES = path.join(OUT, 'bundles');

/** The dependencies (not devDependencies) of the root package and every workspace. */
function productionDependencies(): Set<string> {
  const manifests = [path.join(ROOT, 'package.json')];
  for (const dir of ['shared', 'sim', 'tools'])
    manifests.push(path.join(ROOT, dir, 'package.json'));
  for (const dir of readdirSync(path.join(ROOT, 'services'))) {
    manifests.push(path.join(ROOT, 'services', dir, 'package.json'));
  }
  const names = new Set<string>();
  for (const file of manifests.filter((f) => existsSync(f))) {
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { dependencies?: Record<string, string> };
    for (const name of Object.keys(pkg.dependencies ?? {})) names.add(name);
  }
  return names;
}

/** `lodash/fp` -> `lodash`, `@scope/pkg/x` -> `@scope/pkg`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** npm packages stay `require()` calls; workspace packages are compiled in. */
function externalNpmPackages(seen: Set<string>): Plugin {
  return {
    name: 'external-npm-packages',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith('@paxos/')) return undefined;
        seen.add(args.path.startsWith('node:') ? 'node:' : packageName(args.path));
        return { path: args.path, external: true };
      });
    },
  };
}

/**
 * A bundle runs from bundles/, but sources find their files from their own folder
 * (`path.resolve(__dirname, '..', 'public')`). Each source's __dirname and __filename become
 * its folder's place under the image root, so those paths resolve as they do in the repo.
 */
function sourceDirname(): Plugin {
  return {
    name: 'source-dirname',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        const source = await readFile(args.path, 'utf8');
        if (!/\b__(dirname|filename)\b/.test(source)) return { contents: source, loader: 'ts' };
        const rel = path.relative(ROOT, args.path).split(path.sep).join('/');
        // Kept on the first line so source-map line numbers stay right.
        const prelude =
          `var __sourceFilename = require("node:path").join(__dirname, "..", ${JSON.stringify(rel)}), ` +
          `__sourceDirname = require("node:path").dirname(__sourceFilename); `;
        const body = source
          .replace(/\b__dirname\b/g, '__sourceDirname')
          .replace(/\b__filename\b/g, '__sourceFilename');
        return { contents: prelude + body, loader: 'ts' };
      });
    },
  };
}

function copyAssets(): string[] {
  const copied: string[] = [];
  const copy = (rel: string) => {
    cpSync(path.join(ROOT, rel), path.join(OUT, rel), { recursive: true });
    copied.push(rel);
  };
  copy('neurelo');
  for (const dir of readdirSync(path.join(ROOT, 'services'))) {
    const rel = path.join('services', dir, 'public');
    if (existsSync(path.join(ROOT, rel))) copy(rel);
  }
  return copied;
}

async function main(): Promise<void> {
  rmSync(OUT, { recursive: true, force: true });
  const entryPoints: Record<string, string> = {
    start: 'deploy/image/start.ts',
    healthcheck: 'deploy/image/healthcheck.ts',
  };
  for (const [name, entry] of Object.entries(IMAGE_SERVICES)) {
    if (existsSync(path.join(ROOT, entry))) entryPoints[name] = entry;
    else console.warn(`build:image: ${entry} does not exist; the image will have no ${name}`);
  }
  const externals = new Set<string>();
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints,
    outdir: BUNDLES,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
    plugins: [externalNpmPackages(externals), sourceDirname()],
  });
  // An external that no workspace lists as a dependency is missing from `npm ci --omit=dev`.
  const allowed = productionDependencies();
  const builtins = new Set(builtinModules);
  const missing = [...externals].filter(
    (name) => name !== 'node:' && !builtins.has(name) && !allowed.has(name),
  );
  if (missing.length > 0) {
    throw new Error(
      `bundles require ${missing.join(', ')}, which no package.json lists under "dependencies"`,
    );
  }
  // The bundles sit in /app/bundles and resolve npm packages from /app/node_modules: one the
  // lock file nests inside a workspace folder (services/x/node_modules/...) is not found there.
  const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, unknown>;
  };
  const nested = [...externals].filter(
    (name) => allowed.has(name) && lock.packages[`node_modules/${name}`] === undefined,
  );
  if (nested.length > 0) {
    throw new Error(
      `bundles require ${nested.join(', ')}, which package-lock.json does not install at the ` +
        `root node_modules (nested in a workspace): reinstall so npm hoists it`,
    );
  }
  const assets = copyAssets();
  writeFileSync(
    path.join(BUNDLES, 'manifest.json'),
    `${JSON.stringify({ services: Object.keys(entryPoints), externals: [...externals].sort(), assets }, null, 2)}\n`,
  );
  console.log(
    `build:image: ${Object.keys(entryPoints).join(', ')} -> ${path.relative(ROOT, BUNDLES)} ` +
      `(${summarize(result.metafile)}); external: ${[...externals].sort().join(', ')}`,
  );
}

function summarize(meta: Metafile): string {
  const bytes = Object.entries(meta.outputs)
    .filter(([file]) => file.endsWith('.js'))
    .reduce((sum, [, o]) => sum + o.bytes, 0);
  return `${(bytes / 1024).toFixed(0)} KiB of JavaScript`;
}

main().catch((err: unknown) => {
  console.error(`build:image: ${(err as Error).message}`);
  process.exit(1);
});

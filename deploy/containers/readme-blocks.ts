import path from 'node:path';
import { documentedShellBlocks } from '../../tools/src/doc-blocks/extract';
import { run, type CommandResult } from './podman';

const ROOT = path.resolve(__dirname, '..', '..');
/** deploy/docker-shim/docker: `docker compose` as podman-compose, any other docker as podman. */
export const DOCKER_SHIM_DIR = path.join(ROOT, 'deploy', 'docker-shim');

/**
 * The documented compose blocks this test runs as written, by the id of their
 * `<!-- doc-test: containers: <id> -->` marker. The documentation test (which runs every
 * other block) fails on a `containers` block whose id is not listed here, so none is left
 * unrun.
 */
export const CONTAINER_TEST_BLOCKS: readonly string[] = [
  'compose-quick-start',
  'compose-curl',
  'compose-kv',
  'compose-ha',
  'compose-backup',
  'compose-restore',
];

/**
 * Runs the documented block `id` with bash (-e, -o pipefail) in `dir`, a copy of the
 * checkout, with the docker shim first on PATH: `docker compose` there is podman-compose,
 * the compose this machine has. `env` adds to the test's environment; `rewrite` changes the
 * code first (only CTEST_BASE_PORT does: the documented ports, moved).
 */
export async function runDocumentedBlock(
  id: string,
  dir: string,
  env: Record<string, string>,
  timeoutMs: number,
  rewrite: (code: string) => string = (code) => code,
): Promise<CommandResult & { where: string }> {
  const blocks = documentedShellBlocks(ROOT).filter(
    (b) => b.mark.kind === 'containers' && b.mark.id === id,
  );
  const block = blocks[0];
  if (!block) throw new Error(`no documented block is marked "doc-test: containers: ${id}"`);
  // Two documents may show the same steps (the README and operations.md): one run covers
  // both only while they are the same.
  const differing = blocks.find((b) => b.code !== block.code);
  if (differing) {
    throw new Error(
      `${differing.file}:${differing.line} differs from ${block.file}:${block.line}, both "${id}"`,
    );
  }
  const result = await run('bash', ['-e', '-o', 'pipefail', '-c', rewrite(block.code)], {
    cwd: dir,
    timeoutMs,
    check: false,
    echo: true,
    env: { ...process.env, PATH: `${DOCKER_SHIM_DIR}:${process.env.PATH ?? ''}`, ...env },
  });
  // The block's output was echoed; the test's next line starts on a line of its own.
  if (result.stdout.length > 0 && !result.stdout.endsWith('\n')) process.stdout.write('\n');
  return { ...result, where: blocks.map((b) => `${b.file}:${b.line}`).join(', ') };
}

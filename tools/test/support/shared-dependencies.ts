/**
 * Whether an earlier commit's code can run on this checkout's node_modules: every package its
 * workspaces need at run time (their `dependencies`, followed through the lock file) must
 * resolve, in this checkout's tree, to the version the earlier lock file had. Packages added
 * since, or dev tools re-hoisted, do not matter; a runtime dependency that moved does.
 */

interface LockEntry {
  version?: string;
  link?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}
export type LockPackages = Record<string, LockEntry>;

/** A workspace package links back to its folder: its own code comes from the old tree. */
const WORKSPACE_SCOPES = ['@paxos/', '@durable-paxos/'];

const runtimeDependencies = (entry: LockEntry): string[] => [
  ...Object.keys(entry.dependencies ?? {}),
  ...Object.keys(entry.optionalDependencies ?? {}),
  ...Object.keys(entry.peerDependencies ?? {}),
];

/**
 * Node's lookup: `name` required from the package at `from` is found in the nearest
 * node_modules above it. `workspaceLocal` false: the old tree has no node_modules inside its
 * workspace folders (only the root's, linked), so a workspace's lookups start at the root.
 */
function resolve(
  lock: LockPackages,
  from: string,
  name: string,
  workspaceLocal: boolean,
): string | null {
  let dir = from;
  if (!workspaceLocal && !dir.startsWith('node_modules/')) dir = '';
  for (;;) {
    const candidate = dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
    if (lock[candidate]) return candidate;
    if (dir === '') return null;
    const at = dir.lastIndexOf('/node_modules/');
    dir = at >= 0 ? dir.slice(0, at) : '';
  }
}

/** Every runtime package of `before`'s workspaces whose version differs in `now`, or is gone. */
export function changedRuntimeDependencies(before: LockPackages, now: LockPackages): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const workspaces = Object.keys(before).filter(
    (p) => !p.startsWith('node_modules/') && !before[p]!.link,
  );
  const queue: Array<{ oldFrom: string; newFrom: string }> = workspaces.map((w) => ({
    oldFrom: w,
    newFrom: w,
  }));
  while (queue.length > 0) {
    const { oldFrom, newFrom } = queue.shift()!;
    for (const name of runtimeDependencies(before[oldFrom]!)) {
      if (WORKSPACE_SCOPES.some((scope) => name.startsWith(scope))) continue;
      const oldPath = resolve(before, oldFrom, name, true);
      if (oldPath === null) continue; // an optional or peer dependency it never installed
      const newPath = resolve(now, newFrom, name, false);
      const key = `${oldPath} -> ${newPath}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const was = before[oldPath]!.version;
      const is = newPath === null ? undefined : now[newPath]!.version;
      if (was !== is) {
        problems.push(
          `${name} ${was} (needed from ${oldFrom || 'the root'}) is ${is ?? 'gone'} now`,
        );
        continue;
      }
      queue.push({ oldFrom: oldPath, newFrom: newPath! });
    }
  }
  return problems;
}

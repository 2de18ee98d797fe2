/**
 * Readable reasons from zod issues, naming the field. A union (a command is a client command or
 * a registration) reports one "invalid input" at its own path; the reason a client needs is the
 * first alternative's (the client command's), so unions are opened and that one is described.
 */
interface Issue {
  code?: string;
  path: PropertyKey[];
  message: string;
  errors?: Issue[][];
}

export function describeIssues(issues: readonly Issue[], max = 5): string {
  const flat: Array<{ path: string; message: string }> = [];
  const visit = (list: readonly Issue[], prefix: PropertyKey[]): void => {
    for (const issue of list) {
      const path = [...prefix, ...issue.path];
      const first = issue.code === 'invalid_union' ? issue.errors?.[0] : undefined;
      if (first && first.length > 0) visit(first, path);
      else flat.push({ path: path.map(String).join('.'), message: issue.message });
    }
  };
  visit(issues, []);
  return flat
    .slice(0, max)
    .map((i) => `${i.path || '(root)'}: ${i.message}`)
    .join('; ');
}

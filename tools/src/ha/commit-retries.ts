/**
 * How many step commits the role services retried (`paxos_commit_retries_total`): a commit
 * whose connection broke mid-commit, or that the data API refused while it looked for the
 * primary, has an unknown outcome and is retried as it is, which is safe only because a step
 * commit is idempotent. A failover that retried none did not test that.
 */
export async function commitRetries(rolePorts: readonly number[]): Promise<number> {
  let total = 0;
  for (const port of rolePorts) {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('paxos_commit_retries_total'));
    if (line !== undefined) total += Number(line.split(' ').pop());
  }
  return total;
}

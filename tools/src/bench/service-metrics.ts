/** Sums the samples of one Prometheus counter (every label set) in an exposition text. */
export function sumCounter(exposition: string, name: string): number {
  let total = 0;
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    // `name{labels} value` or `name value`; not `name_something ...`.
    if (rest[0] !== '{' && rest[0] !== ' ') continue;
    const value = Number(rest.slice(rest.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) total += value;
  }
  return total;
}

/** Messages sent by the role services on `ports` so far (paxos_messages_out_total). */
export async function messagesSent(ports: readonly number[]): Promise<number> {
  const counts = await Promise.all(
    ports.map(async (port) => {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`, {
          signal: AbortSignal.timeout(3_000),
        });
        return sumCounter(await res.text(), 'paxos_messages_out_total');
      } catch {
        return 0;
      }
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}

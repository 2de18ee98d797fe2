import { compact } from './chart';
import type { Sample } from './sample';

/** Sum and largest of the series whose name starts with `prefix`; null when there is none. */
function over(sample: Sample, prefix: string): { sum: number; max: number; of: string } | null {
  let sum = 0;
  let max = -Infinity;
  let of = '';
  for (const [name, value] of Object.entries(sample.series)) {
    if (!name.startsWith(prefix)) continue;
    sum += value;
    if (value > max) [max, of] = [value, name.slice(prefix.length)];
  }
  return max === -Infinity ? null : { sum, max, of };
}

/**
 * One line per sample: the figures a reader watches while a soak runs, e.g.
 * `soak 12/30 min: 4120 acked, 3 unanswered; faults 2 (kill 2); rss 610MB (max 160MB neurelo); ...`
 */
export function progressLine(
  sample: Sample,
  runMinutes: number,
  load: { acknowledged: number; unanswered: number },
  faults: Record<string, number>,
): string {
  const parts: string[] = [`${load.acknowledged} acked, ${load.unanswered} unanswered`];
  const applied = Object.entries(faults).filter(([, n]) => n > 0);
  if (Object.keys(faults).length > 0) {
    const total = applied.reduce((sum, [, n]) => sum + n, 0);
    const kinds = applied.map(([kind, n]) => `${kind} ${n}`).join(', ');
    parts.push(`faults ${total}${kinds ? ` (${kinds})` : ''}`);
  }
  const rss = over(sample, 'rss_bytes.');
  if (rss) parts.push(`rss ${compact(rss.sum)}B (max ${compact(rss.max)}B ${rss.of})`);
  const heap = over(sample, 'heap_used_bytes.');
  if (heap) parts.push(`heap ${compact(heap.sum)}B`);
  const s = sample.series;
  if (s['queue_item.rows'] !== undefined)
    parts.push(
      `queue ${s['queue_item.rows']} rows/${compact(s['queue_item.bytes'] ?? 0)}B, dead ${s['dead_letter.rows']}`,
    );
  const durable = over(sample, 'durable_state.rows.');
  const durableBytes = over(sample, 'durable_state.bytes.');
  if (durable) parts.push(`durable ${durable.sum} rows/${compact(durableBytes?.sum ?? 0)}B`);
  const sessions = over(sample, 'replica.sessions.');
  const responses = over(sample, 'replica.cached_responses.');
  if (sessions) parts.push(`sessions ${sessions.max}, responses ${responses?.max ?? '?'}`);
  const accepted = over(sample, 'acceptor.accepted_slots.');
  if (accepted) parts.push(`accepted slots ${accepted.max}`);
  const minute = +sample.minute.toFixed(2);
  return `soak ${minute}/${runMinutes} min: ${parts.join('; ')}`;
}

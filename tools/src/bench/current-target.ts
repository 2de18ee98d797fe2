import type { BenchTarget } from './target';

/** The configuration running now, so an interrupted bench can stop it and drop its database. */
let current: BenchTarget | null = null;

export function trackTarget(target: BenchTarget | null): void {
  current = target;
}

export async function stopCurrentTarget(): Promise<void> {
  const target = current;
  current = null;
  await target?.stop();
}

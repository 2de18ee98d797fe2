/**
 * A level-triggered wake-up: `notify` before `wait` is not lost. The step loop sleeps on
 * one of these instead of polling, so an idle service uses no CPU.
 */
export class Wakeup {
  private pending = false;
  private waiters: Array<() => void> = [];

  notify(): void {
    this.pending = true;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves on the next notify (or at once if one is pending), or after `timeoutMs`. */
  async wait(timeoutMs: number | null): Promise<void> {
    if (!this.pending) {
      await new Promise<void>((resolve) => {
        let timer: NodeJS.Timeout | undefined;
        const done = (): void => {
          if (timer) clearTimeout(timer);
          resolve();
        };
        this.waiters.push(done);
        if (timeoutMs !== null) timer = setTimeout(done, Math.max(0, timeoutMs));
      });
    }
    this.pending = false;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

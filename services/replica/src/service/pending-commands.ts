import { commandKey, type Command, type Response } from '@paxos/shared';

export type CommandOutcome = { kind: 'answered'; response: Response } | { kind: 'timeout' };

/**
 * HTTP requests waiting for their command to be performed, keyed by (clientId, requestId).
 * Several waiters may wait for one key (a client that retried on another connection).
 */
export class PendingCommands {
  private readonly waiters = new Map<string, Set<(o: CommandOutcome) => void>>();

  get size(): number {
    return this.waiters.size;
  }

  wait(
    command: Pick<Command, 'clientId' | 'requestId'>,
    timeoutMs: number,
  ): Promise<CommandOutcome> {
    const key = commandKey(command);
    return new Promise((resolve) => {
      let set = this.waiters.get(key);
      if (!set) {
        set = new Set();
        this.waiters.set(key, set);
      }
      const waiter = (o: CommandOutcome): void => {
        clearTimeout(timer);
        resolve(o);
      };
      const timer = setTimeout(() => {
        const current = this.waiters.get(key);
        current?.delete(waiter);
        if (current?.size === 0) this.waiters.delete(key);
        resolve({ kind: 'timeout' });
      }, timeoutMs);
      set.add(waiter);
    });
  }

  /** Answers every waiter of the response's command; a response nobody waits for is dropped. */
  answer(response: Response): void {
    const key = commandKey(response);
    const set = this.waiters.get(key);
    if (!set) return;
    this.waiters.delete(key);
    for (const w of set) w({ kind: 'answered', response });
  }
}

import type { Message } from '@paxos/shared';
import { coalesceRequests } from '../src/coalesce-requests';

const command = (sessionId: number, requestId: number) => ({
  sessionId,
  requestId,
  op: { kind: 'get' as const, key: 'k' },
});
const request = (...commands: ReturnType<typeof command>[]): Message => ({
  type: 'request',
  from: 'client:1',
  commands,
});
const withdraw: Message = { type: 'withdraw', from: 'client:1', sessionId: 1, requestId: 9 };

describe('coalesceRequests (the replica service passes it as coalesceLocal)', () => {
  it('turns requests that arrived together into one batch; other messages keep their place', () => {
    const merged = coalesceRequests([request(command(1, 1)), withdraw, request(command(2, 1))]);
    expect(merged).toEqual([request(command(1, 1), command(2, 1)), withdraw]);
  });

  it('starts a new batch at the command bound, and never changes the messages it was given', () => {
    const first = request(command(1, 1), command(1, 2));
    const merged = coalesceRequests([first, request(command(2, 1)), request(command(3, 1))], 2);
    expect(merged).toEqual([first, request(command(2, 1), command(3, 1))]);
    expect(first).toEqual(request(command(1, 1), command(1, 2)));
  });
});

/** The event-stream parser: events split anywhere across chunks come out whole. */
import { SseParser } from '../src/sse';

describe('SseParser', () => {
  it('reads events split across chunks at every place, with \\n, \\r\\n and \\r line ends', () => {
    const text =
      ': hi\r\nid: 5\r\nevent: put\r\ndata: {"a":\r\ndata: 1}\r\n\r\nevent: lagged\rdata: x\r\rid: 9\n\n';
    for (let cut = 0; cut <= text.length; cut++) {
      const p = new SseParser();
      const events = [...p.push(text.slice(0, cut)), ...p.push(text.slice(cut))];
      expect(events).toEqual([
        { event: 'put', data: '{"a":\n1}', id: '5' },
        { event: 'lagged', data: 'x', id: null },
        { event: 'message', data: '', id: '9' },
      ]);
    }
  });

  it('refuses an event that never ends past its bound', () => {
    const p = new SseParser();
    expect(() => p.push(`data: ${'x'.repeat(1_100_000)}`)).toThrow(/characters/);
  });
});

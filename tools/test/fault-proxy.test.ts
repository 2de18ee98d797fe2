import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { FaultProxy } from '../src/chaos/fault-proxy';

/** An upstream that answers every chunk with `echo:<chunk>`. */
async function echoServer(): Promise<net.Server> {
  const server = net.createServer((s) => {
    s.on('error', () => undefined);
    s.on('data', (d) => s.write(`echo:${d.toString()}`));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return server;
}

function connect(
  port: number,
): Promise<{ socket: net.Socket; received: () => string; error: () => string | null }> {
  return new Promise((resolve, reject) => {
    let text = '';
    let error: string | null = null;
    const socket = net.connect(port, '127.0.0.1', () =>
      resolve({ socket, received: () => text, error: () => error }),
    );
    socket.on('data', (d) => (text += d.toString()));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message;
      reject(e);
    });
  });
}

describe('the fault proxy', () => {
  let server: net.Server;
  let proxy: FaultProxy;
  beforeEach(async () => {
    server = await echoServer();
    proxy = new FaultProxy('127.0.0.1', (server.address() as net.AddressInfo).port);
    await proxy.listen();
  });
  afterEach(async () => {
    await proxy.close();
    await new Promise((r) => server.close(r));
  });

  test('open: bytes cross both ways', async () => {
    const c = await connect(proxy.port);
    c.socket.write('a');
    await sleep(100);
    expect(c.received()).toBe('echo:a');
    c.socket.destroy();
  });

  test('healing a link that is not cut changes nothing (each byte crosses once)', async () => {
    const c = await connect(proxy.port);
    proxy.heal();
    proxy.heal();
    c.socket.write('a');
    await sleep(100);
    expect(c.received()).toBe('echo:a');
    c.socket.destroy();
  });

  test('drop: nothing crosses while cut, then what was sent arrives late', async () => {
    const c = await connect(proxy.port);
    c.socket.write('before');
    await sleep(100);
    proxy.partition('drop');
    c.socket.write('during');
    const late = await connect(proxy.port); // accepted, but carried on only after the heal
    late.socket.write('new');
    await sleep(300);
    expect(c.received()).toBe('echo:before');
    expect(late.received()).toBe('');
    proxy.heal();
    await sleep(300);
    expect(c.received()).toBe('echo:beforeecho:during');
    expect(late.received()).toBe('echo:new');
    c.socket.destroy();
    late.socket.destroy();
  });

  test('reset: open connections are reset and new ones refused until healed', async () => {
    const c = await connect(proxy.port);
    const closed = new Promise((r) => c.socket.once('close', r));
    c.socket.on('error', () => undefined);
    proxy.partition('reset');
    await closed;
    expect(c.error()).toBe('ECONNRESET');
    const refused = await new Promise<string>((resolve) => {
      const s = net.connect(proxy.port, '127.0.0.1');
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      s.on('close', () => resolve('closed'));
    });
    expect(['ECONNRESET', 'closed']).toContain(refused);
    proxy.heal();
    const again = await connect(proxy.port);
    again.socket.write('x');
    await sleep(100);
    expect(again.received()).toBe('echo:x');
    again.socket.destroy();
  });
});

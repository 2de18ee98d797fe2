import net from 'node:net';

/** Whether nothing listens on `port` of 127.0.0.1 (a listener of ours opens and closes). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

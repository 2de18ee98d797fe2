import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP relay between the server and PostgreSQL, to stage a database outage: `cut()` closes
 * every relayed connection and refuses new ones; `hang()` closes them and then accepts new
 * ones that never answer (a database, or a name lookup, that stalls); `restore()` relays again
 * on the same port.
 */
export class TcpProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private hanging = false;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<void> {
    const server = createServer((client) => {
      this.sockets.add(client);
      client.on('close', () => this.sockets.delete(client));
      client.on('error', () => client.destroy());
      if (this.hanging) return;
      const upstream = connect(this.targetPort, this.targetHost);
      for (const [a, b] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        this.sockets.add(a);
        a.on('error', () => b.destroy());
        a.on('close', () => {
          this.sockets.delete(a);
          b.destroy();
        });
        a.pipe(b);
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    const closed = new Promise<void>((resolve) =>
      server ? server.close(() => resolve()) : resolve(),
    );
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  /** Drops every relayed connection; new ones are accepted and then left unanswered. */
  hang(): void {
    this.hanging = true;
    for (const s of this.sockets) s.destroy();
  }

  async restore(): Promise<void> {
    if (this.hanging) {
      this.hanging = false;
      for (const s of this.sockets) s.destroy();
      return;
    }
    await this.start();
  }

  stop(): Promise<void> {
    return this.cut();
  }
}

import net from 'node:net';

/**
 * A TCP proxy the chaos tool puts on one link (a role to the data API, the data API to
 * PostgreSQL) to cut it with a real network fault while both ends keep running:
 * - `drop`: a blackhole. Nothing crosses in either direction; bytes already sent wait in the
 *   sockets' buffers, and new connections are accepted but not carried on. On heal everything
 *   flows again, late, as TCP delivers after a partition shorter than its retransmission
 *   timeout: a request its sender gave up on can still arrive.
 * - `reset`: every connection is torn down with a reset and new ones are reset at once, as
 *   when a peer's host answers "connection refused".
 */
export type CutMode = 'drop' | 'reset';

interface Link {
  client: net.Socket;
  upstream: net.Socket | null;
}

export class FaultProxy {
  private server: net.Server | null = null;
  private readonly links = new Set<Link>();
  private cut: CutMode | null = null;
  private listenPort = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  get port(): number {
    return this.listenPort;
  }

  get state(): CutMode | 'open' {
    return this.cut ?? 'open';
  }

  async listen(): Promise<number> {
    const server = net.createServer((client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.listenPort = (server.address() as net.AddressInfo).port;
    return this.listenPort;
  }

  /** Cuts the link until heal(). */
  partition(mode: CutMode): void {
    this.cut = mode;
    for (const link of [...this.links]) {
      if (mode === 'reset') this.drop(link, true);
      else this.hold(link);
    }
  }

  /** Carries bytes again; nothing when the link is not cut (joining twice would send them twice). */
  heal(): void {
    if (this.cut === null) return;
    this.cut = null;
    for (const link of [...this.links]) {
      if (!link.upstream) this.connectUpstream(link);
      else this.join(link.client, link.upstream);
    }
  }

  async close(): Promise<void> {
    for (const link of [...this.links]) this.drop(link, false);
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  private accept(client: net.Socket): void {
    client.on('error', () => undefined);
    const link: Link = { client, upstream: null };
    if (this.cut === 'reset') {
      client.resetAndDestroy();
      return;
    }
    this.links.add(link);
    client.once('close', () => this.drop(link, false));
    if (this.cut === 'drop') client.pause();
    else this.connectUpstream(link);
  }

  private connectUpstream(link: Link): void {
    if (link.client.destroyed && link.client.readableLength === 0) {
      this.drop(link, false);
      return;
    }
    const upstream = net.connect(this.targetPort, this.targetHost);
    link.upstream = upstream;
    upstream.on('error', () => this.drop(link, true));
    upstream.once('close', () => this.drop(link, false));
    this.join(link.client, upstream);
  }

  /** Carries bytes both ways (again). */
  private join(client: net.Socket, upstream: net.Socket): void {
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Stops carrying bytes; pipes are undone so that no 'drain' can resume them meanwhile. */
  private hold(link: Link): void {
    if (link.upstream) {
      link.client.unpipe(link.upstream);
      link.upstream.unpipe(link.client);
      link.upstream.pause();
    }
    link.client.pause();
  }

  private drop(link: Link, reset: boolean): void {
    if (!this.links.delete(link)) return;
    for (const s of [link.client, link.upstream]) {
      if (!s || s.destroyed) continue;
      if (reset) s.resetAndDestroy();
      else s.destroy();
    }
  }
}

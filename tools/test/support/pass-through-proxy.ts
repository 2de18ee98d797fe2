import http from 'node:http';

/**
 * An HTTP proxy on 127.0.0.1 in front of one server that shows a test every request it
 * forwards, body included, before passing it on untouched. A caller that gives up (a long poll
 * abandoned, a client moving on) gives up upstream too; an upstream that dies under a request
 * is answered 502, as a load balancer would.
 */
export interface PassThroughOptions {
  target: { host: string; port: number };
  /** Sees each request and its whole body before it is forwarded. */
  onRequest: (req: http.IncomingMessage, body: Buffer) => void;
  keepAlive: boolean;
  /** The body of the 502 answered when the upstream fails before answering. */
  badGatewayBody?: { contentType: string; text: string };
}

export class PassThroughProxy {
  private server: http.Server | null = null;
  private readonly agent: http.Agent;

  constructor(private readonly o: PassThroughOptions) {
    this.agent = new http.Agent({ keepAlive: o.keepAlive });
  }

  /** Listens on `port`; returns the proxy's base URL. */
  async listen(port: number): Promise<string> {
    const server = http.createServer((req, res) => this.forward(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    return `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    this.agent.destroy();
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      this.o.onRequest(req, body);
      const upstream = http.request(
        {
          host: this.o.target.host,
          port: this.o.target.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
          agent: this.agent,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      res.on('close', () => {
        if (!res.writableFinished) upstream.destroy();
      });
      upstream.on('error', () => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        const bad = this.o.badGatewayBody;
        if (bad) res.writeHead(502, { 'content-type': bad.contentType }).end(bad.text);
        else res.writeHead(502).end();
      });
      upstream.end(body);
    });
  }
}

import http from 'node:http';

/**
 * An HTTP proxy in front of the data API that hands every step commit's queued messages to
 * `onSends` as they go by, so a test sees what each process really sent (a claim deletes a
 * row once it is acknowledged, so the queue table alone would not tell). Everything else,
 * long polls included, passes through untouched.
 */
export interface QueuedSend {
  /** The process that committed it. */
  from: string;
  dst: string;
  payload: string;
}

export class RecordingProxy {
  private server: http.Server | null = null;
  private readonly agent = new http.Agent({ keepAlive: true });

  constructor(
    private readonly target: { host: string; port: number },
    private readonly onSends: (sends: QueuedSend[]) => void,
  ) {}

  async listen(port: number): Promise<void> {
    const server = http.createServer((req, res) => this.forward(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
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
      if (req.method === 'POST' && req.url?.startsWith('/custom/step_commit')) this.record(body);
      const upstream = http.request(
        {
          host: this.target.host,
          port: this.target.port,
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
      // The caller gave up (a long poll abandoned at shutdown): so does the proxy.
      res.on('close', () => {
        if (!res.writableFinished) upstream.destroy();
      });
      upstream.on('error', () => {
        if (!res.headersSent) res.writeHead(502).end();
        else res.destroy();
      });
      upstream.end(body);
    });
  }

  private record(body: Buffer): void {
    try {
      const variables = JSON.parse(body.toString('utf8')) as { processId?: string; sends?: string };
      if (typeof variables.sends !== 'string') return;
      const sends = JSON.parse(variables.sends) as Array<{ dst: string; payload: string }>;
      if (sends.length === 0) return;
      const from = variables.processId ?? '?';
      this.onSends(sends.map((s) => ({ from, dst: s.dst, payload: s.payload })));
    } catch {
      // Not a step commit this proxy understands: the data API will say what is wrong with it.
    }
  }
}

import { PassThroughProxy } from './pass-through-proxy';

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
  private readonly proxy: PassThroughProxy;

  constructor(
    target: { host: string; port: number },
    private readonly onSends: (sends: QueuedSend[]) => void,
  ) {
    this.proxy = new PassThroughProxy({
      target,
      keepAlive: true,
      onRequest: (req, body) => {
        if (req.method === 'POST' && req.url?.startsWith('/custom/step_commit')) this.record(body);
      },
    });
  }

  async listen(port: number): Promise<void> {
    await this.proxy.listen(port);
  }

  close(): Promise<void> {
    return this.proxy.close();
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

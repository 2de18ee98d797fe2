import type { Request, Response } from 'express';
import type { FleetView } from '../view/fleet-view';

/**
 * Server-sent events: every browser tab holds one GET /api/events open and receives each new
 * view as an `event: view`. EventSource reconnects by itself after a network blip or a
 * dashboard restart, which is why this needs no protocol of its own.
 */
export class EventStream {
  private readonly clients = new Set<Response>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(heartbeatMs = 15_000) {
    // A comment line now and then keeps idle proxies (and kubectl port-forward) from
    // closing a stream that has nothing new to say.
    this.heartbeat = setInterval(() => {
      for (const res of this.clients) res.write(': keep-alive\n\n');
    }, heartbeatMs);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  attach(req: Request, res: Response, latest: FleetView | null): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    if (latest) res.write(frame(latest));
    this.clients.add(res);
    req.on('close', () => this.clients.delete(res));
  }

  broadcast(view: FleetView): void {
    const text = frame(view);
    for (const res of this.clients) res.write(text);
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }
}

function frame(view: FleetView): string {
  return `event: view\ndata: ${JSON.stringify(view)}\n\n`;
}

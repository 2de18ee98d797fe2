import type http from 'node:http';
import { PassThroughProxy } from '../../../tools/test/support/pass-through-proxy';

/**
 * A pass-through proxy in front of one replica that keeps every client request it forwards
 * (path, headers, body), so a test sees exactly what the client sent to which replica. When
 * the replica dies under a request, the proxy answers 502, as a load balancer would.
 */
export interface Forwarded {
  via: string;
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

export class ClientProxy {
  private readonly proxy: PassThroughProxy;

  constructor(
    readonly name: string,
    targetPort: number,
    log: Forwarded[],
  ) {
    this.proxy = new PassThroughProxy({
      target: { host: '127.0.0.1', port: targetPort },
      keepAlive: false,
      badGatewayBody: {
        contentType: 'application/json',
        text: '{"code":"bad-gateway","error":"the replica did not answer"}',
      },
      onRequest: (req, body) =>
        log.push({
          via: name,
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: body.length > 0 ? parse(body.toString('utf8')) : null,
        }),
    });
  }

  listen(port: number): Promise<string> {
    return this.proxy.listen(port);
  }

  close(): Promise<void> {
    return this.proxy.close();
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

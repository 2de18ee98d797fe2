import type { IncomingMessage, ServerResponse } from 'node:http';
import { clientApiDocument } from '../contract/client-api-document';
import { isPath, reply } from './http-io';

/**
 * GET /openapi.json: the client API's contract (contract/client-api-document.ts). The document
 * is generated and serialized once, when the route is made at start-up: it depends on nothing
 * that changes while the process runs, and generating it costs milliseconds a request would not
 * need to pay. No key is needed: the contract says how to call, never what is stored.
 * Returns false for any other request.
 */
export function openapiRoute(): (req: IncomingMessage, res: ServerResponse) => boolean {
  const text = JSON.stringify(clientApiDocument());
  const bytes = Buffer.byteLength(text);
  return (req, res) => {
    if (!isPath(req.url, '/openapi.json')) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      req.resume();
      reply(res, 405, { error: 'GET /openapi.json' }, { allow: 'GET, HEAD' });
      return true;
    }
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': bytes,
      'cache-control': 'no-cache',
    });
    res.end(req.method === 'HEAD' ? undefined : text);
    return true;
  };
}

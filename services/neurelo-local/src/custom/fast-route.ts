import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQueryString } from 'node:querystring';
import type { Logger } from 'pino';
import { toErrorResponse, type ApiError } from '../http/api-error';
import { abortedWhenClientGoes } from '../http/client-gone';
import { logWhenClosed } from '../http/request-log';
import { allowHeaderOf, type CustomAnswer, type CustomCall } from './custom-endpoint';

export interface FastRouteDeps {
  endpoint: (call: CustomCall) => Promise<CustomAnswer>;
  /** The error to answer for this key and method, or null when the call is allowed. */
  checkKey: (key: string | undefined, method: string) => ApiError | null;
  bodyLimitBytes: number;
  logger: Logger;
  /** A call that may have written was answered 2xx (the vacuum scheduler counts them). */
  onWrite: () => void;
}

/** `/custom/{name}` with a plain name, an optional trailing slash and any query string. */
const CUSTOM_PATH = /^\/custom\/([A-Za-z0-9_-]+)\/?(?:\?(.*))?$/s;
/** The body types read here; anything else (another charset, say) goes to express. */
const PLAIN_JSON = /^application\/json\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

/**
 * `/custom/{name}` served on node:http, before express sees the request: every role step is one
 * or two such calls, and express's routing, body parsing and response helpers cost more CPU
 * than the rest of the call on a small machine. The answers are those of the express route
 * (router.ts), which still serves what this one leaves to it: a compressed body, another
 * charset or body type. Returns false for a request it does not take.
 */
export function customFastRoute(
  d: FastRouteDeps,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const match = CUSTOM_PATH.exec(req.url ?? '');
    if (!match || !plainBody(req)) return false;
    const name = match[1]!;
    const method = req.method ?? 'GET';
    logWhenClosed(d.logger, method, () => `/custom/${name}`, res);
    serve(d, req, res, { name, method, search: match[2] ?? '' }).catch((err: unknown) =>
      answerError(d.logger, res, err, method, name),
    );
    return true;
  };
}

async function serve(
  d: FastRouteDeps,
  req: IncomingMessage,
  res: ServerResponse,
  target: { name: string; method: string; search: string },
): Promise<void> {
  const refusal = d.checkKey(headerOf(req, 'x-api-key'), target.method);
  if (refusal) {
    req.resume();
    throw refusal;
  }
  const clientGone = abortedWhenClientGoes(res);
  const text = await readBody(req, d.bodyLimitBytes);
  const answer = await d.endpoint({
    name: target.name,
    method: target.method,
    query: parseQueryString(target.search),
    body: parseJsonBody(text),
    prefer: headerOf(req, 'prefer'),
    clientGone,
  });
  if (res.destroyed) return;
  if (target.method !== 'GET') res.once('finish', d.onWrite);
  writeJson(res, 200, answer.body, answer.headers);
}

function answerError(
  logger: Logger,
  res: ServerResponse,
  err: unknown,
  method: string,
  name: string,
): void {
  const { status, body } = toErrorResponse(err);
  if (status >= 500) logger.error({ err, method, path: `/custom/${name}` }, 'request error');
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const allow = allowHeaderOf(err);
  writeJson(res, status, body, allow === null ? {} : { Allow: allow });
}

function writeJson(
  res: ServerResponse,
  status: number,
  body: object,
  headers: Record<string, string>,
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** No body, or an uncompressed JSON body in UTF-8. */
function plainBody(req: IncomingMessage): boolean {
  const hasBody =
    req.headers['transfer-encoding'] !== undefined ||
    (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
  if (!hasBody) return true;
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return false;
  return PLAIN_JSON.test(req.headers['content-type'] ?? '');
}

const headerOf = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * What express.json makes of the text: nothing for an empty body, an object or an array, and
 * otherwise the error it raises (answered 400 by toErrorResponse).
 */
function parseJsonBody(text: string): unknown {
  if (text.length === 0) return undefined;
  const first = /^[ \t\n\r]*(.)/.exec(text)?.[1];
  if (first === '{' || first === '[') {
    try {
      return JSON.parse(text);
    } catch {
      // reported below
    }
  }
  throw Object.assign(new SyntaxError('request body is not valid JSON'), {
    type: 'entity.parse.failed',
  });
}

/** The body as UTF-8 text; past `limit` bytes it stops reading and fails as express.json does. */
function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let refused = false;
    const tooLarge = (length: number): void => {
      refused = true;
      req.removeAllListeners('data');
      req.resume();
      reject(
        Object.assign(new Error('request entity too large'), {
          type: 'entity.too.large',
          limit,
          length,
        }),
      );
    };
    const declared = Number(req.headers['content-length']);
    if (declared > limit) {
      tooLarge(declared);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge(size);
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (!refused) resolve(Buffer.concat(chunks, size).toString('utf8'));
    });
    req.on('error', reject);
  });
}

import express, { type Request, type Response } from 'express';
import { abortedWhenClientGoes } from '../http/client-gone';
import { allowHeaderOf, createCustomEndpoint, type CustomEndpointDeps } from './custom-endpoint';

/**
 * `/custom/{name}` on express: the requests the fast route (fast-route.ts) leaves to the
 * framework, such as compressed bodies or other charsets, which body-parser knows how to read.
 */
export function createCustomRouter(deps: CustomEndpointDeps): express.Router {
  const endpoint = createCustomEndpoint(deps);
  const router = express.Router();
  router.all('/:name', async (req: Request<{ name: string }>, res: Response) => {
    const clientGone = abortedWhenClientGoes(res);
    let answer;
    try {
      answer = await endpoint({
        name: req.params.name,
        method: req.method,
        query: req.query,
        body: req.body as unknown,
        prefer: req.get('prefer'),
        clientGone,
      });
    } catch (err) {
      const allow = allowHeaderOf(err);
      if (allow !== null) res.set('Allow', allow);
      throw err;
    }
    if (!res.destroyed) res.set(answer.headers).json(answer.body);
  });
  return router;
}

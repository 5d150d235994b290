import express, { type Request, type Response, type Router } from 'express';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Where `npm run build:web` (run by `npm start` and `npm test`) writes the reference web client. */
export const WEB_CLIENT_DIR = resolve(__dirname, '../../web/dist');

/**
 * The reference web client (web/) at `/`, and `/client-config.json`, which tells it where the WS
 * service listens: the same host as the page, on WEBSOCKET_PORT (as GraphiQL does).
 */
export function webClientRoutes(websocketPort: number): Router {
  const router = express.Router();
  router.get('/client-config.json', (_request: Request, response: Response) => {
    response
      .set('Cache-Control', 'no-store')
      .json({ graphqlPath: '/graphql', websocketPort, websocketPath: '/graphql' });
  });

  if (!existsSync(join(WEB_CLIENT_DIR, 'index.html'))) {
    router.get('/', (_request: Request, response: Response) => {
      response
        .status(503)
        .type('text')
        .send('The web client is not built: run `npm run build:web` (npm start does it for you). GraphiQL: /graphiql');
    });
    return router;
  }
  // Vite names bundles by content hash, so they can be cached for good; index.html never is.
  router.use(
    '/assets',
    express.static(join(WEB_CLIENT_DIR, 'assets'), { immutable: true, maxAge: '365d', fallthrough: false }),
  );
  router.get('/', (_request: Request, response: Response) => {
    response.set('Cache-Control', 'no-cache').sendFile(join(WEB_CLIENT_DIR, 'index.html'));
  });
  return router;
}

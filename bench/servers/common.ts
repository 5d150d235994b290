import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import jwt from 'jsonwebtoken';

/**
 * What the comparison servers share: their settings from the environment (the bench runner sets
 * them), JWT identity as in the project (`sub`), and a tiny HTTP server with /heap so the runner
 * can read heap use next to RSS.
 */
export const settings = {
  port: Number(process.env.PORT),
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  databaseUrl: process.env.DATABASE_URL ?? 'mongodb://127.0.0.1:27017/bench',
  jwtSecret: process.env.JWT_SECRET ?? 'bench-secret',
};

export function userIdFromToken(token: unknown): string {
  if (typeof token !== 'string') throw new Error('no token');
  const claims = jwt.verify(token.replace(/^Bearer\s+/i, ''), settings.jwtSecret, { algorithms: ['HS256'] });
  if (typeof claims !== 'object' || typeof claims.sub !== 'string') throw new Error('no sub claim');
  return claims.sub;
}

export function conversationIdOf(a: string, b: string): string {
  return a < b ? `${a}_${b}` : `${b}_${a}`;
}

export function httpServerWithHeap(extra?: (request: IncomingMessage, response: ServerResponse) => boolean): Server {
  return createServer((request, response) => {
    if (extra?.(request, response)) return;
    if (request.url === '/heap') {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ heapUsed: process.memoryUsage().heapUsed }));
      return;
    }
    response.statusCode = 404;
    response.end();
  });
}

export function onShutdown(close: () => Promise<void>): void {
  const stop = () => void close().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { operatorAllowed } from '../auth/operator';
import type { Config } from '../config/config';
import { healthReport, type Runtime } from '../runtime/runtime';
import type { WsStats } from './ws.stats';

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}

/**
 * The WS service's plain HTTP routes beside the `/graphql` upgrade: `/health` (`/health/ready`,
 * `/health/live`) for orchestrators, and `/stats` and `/metrics` for operators (guarded by
 * STATS_TOKEN when set).
 */
export function operatorRoutes(config: Config, runtime: Runtime, stats: WsStats) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET') return notFound(response);
    if (path === '/health/live') return sendJson(response, 200, { status: 'ok', service: 'ws' });
    if (path === '/health' || path === '/health/ready') {
      void healthReport(runtime, 'ws').then((report) => sendJson(response, report.status, report.body));
      return;
    }
    if (path !== '/stats' && path !== '/metrics') return notFound(response);
    if (!operatorAllowed(request.headers.authorization, config.statsToken)) {
      return sendJson(response, 401, {
        success: false,
        error: { code: 'UNAUTHENTICATED', message: 'Send Authorization: Bearer <STATS_TOKEN>' },
      });
    }
    if (path === '/stats') return sendJson(response, 200, stats.snapshot());
    void runtime.metrics.registry.metrics().then((text) => {
      response.writeHead(200, { 'content-type': runtime.metrics.registry.contentType });
      response.end(text);
    });
  };
}

function notFound(response: ServerResponse): void {
  sendJson(response, 404, {
    success: false,
    error: { code: 'NOT_FOUND', message: 'Use ws://…/graphql, /health, /stats or /metrics' },
  });
}

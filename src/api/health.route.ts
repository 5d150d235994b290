import type { Request, Response } from 'express';
import { checkDatastores, type Runtime } from '../runtime/runtime';

/** `GET /health`: 200 when MongoDB and Redis both answer, else 503 naming the one that is down. */
export function healthHandler(runtime: Runtime, service: 'api' | 'ws') {
  return async (_request: Request, response: Response): Promise<void> => {
    const checks = await checkDatastores(runtime);
    response.status(checks.ok ? 200 : 503).json({
      status: checks.ok ? 'ok' : 'unavailable',
      service,
      checks: { mongo: checks.mongo, redis: checks.redis },
    });
  };
}

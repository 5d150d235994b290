import type { Request, Response } from 'express';
import { healthReport, type Runtime } from '../runtime/runtime';

/** `GET /health`: 200 when MongoDB and Redis both answer, else 503 naming the one that is down. */
export function healthHandler(runtime: Runtime, service: 'api' | 'ws') {
  return async (_request: Request, response: Response): Promise<void> => {
    const report = await healthReport(runtime, service);
    response.status(report.status).json(report.body);
  };
}

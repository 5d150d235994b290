import type { Request, Response } from 'express';
import { healthReport, type Runtime } from '../runtime/runtime';

/** Liveness: the process answers. Restart it only if this fails. */
export function livenessHandler(service: 'api' | 'ws') {
  return (_request: Request, response: Response): void => {
    response.json({ status: 'ok', service });
  };
}

/** Readiness (`/health`, `/health/ready`): 200 when MongoDB and Redis both answer, else 503 naming the one down. */
export function healthHandler(runtime: Runtime, service: 'api' | 'ws') {
  return async (_request: Request, response: Response): Promise<void> => {
    const report = await healthReport(runtime, service);
    response.status(report.status).json(report.body);
  };
}

import type { NextFunction, Request, Response } from 'express';
import { ChatError, type ErrorCode } from '../domain/errors';
import { toChatError } from '../edge/errors';
import { describeBytes, MAX_BODY_BYTES } from '../domain/limits';
import type { Logger } from '../logging/logger';

const STATUS: Readonly<Record<ErrorCode, number>> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RESYNC_REQUIRED: 410,
  BLOCKED: 403,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  INTERNAL_SERVER_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
};

/** The seed-compatible error body: `{ success: false, error: { code, message } }` with the right status. */
export function sendError(response: Response, error: ChatError): void {
  if (error.code === 'SERVICE_UNAVAILABLE' && error.details['retryAfter'] !== undefined) {
    response.set('Retry-After', String(error.details['retryAfter']));
  }
  if (error.code === 'RATE_LIMITED') {
    const retryAfter = Number(error.details['retryAfter'] ?? 1);
    response.set({
      'Retry-After': String(retryAfter),
      'X-RateLimit-Limit': String(error.details['limit'] ?? ''),
      'X-RateLimit-Remaining': '0',
      'X-RateLimit-Reset': String(Math.ceil(Date.now() / 1000) + retryAfter),
    });
  }
  response
    .status(STATUS[error.code])
    .json({ success: false, error: { code: error.code, message: error.message, ...error.details } });
}

/** Last express middleware of /api: maps every failure, including body-parser's, to the error shape. */
export function restErrorHandler(logger: Logger) {
  return (error: unknown, _request: Request, response: Response, _next: NextFunction): void => {
    const status = (error as { status?: unknown }).status;
    if (status === 413)
      return sendError(
        response,
        new ChatError('PAYLOAD_TOO_LARGE', `Request body is larger than ${describeBytes(MAX_BODY_BYTES)}`),
      );
    if (status === 400 && (error as { type?: unknown }).type === 'entity.parse.failed') {
      return sendError(response, ChatError.badInput('Request body is not valid JSON'));
    }
    sendError(response, toChatError(error, logger));
  };
}

import { ChatError } from '../domain/errors';
import type { Logger } from '../logging/logger';

const MASKED_MESSAGE = 'Internal server error';

/**
 * Maps any failure reaching a front door (GraphQL, REST, graphql-ws) to a client-safe ChatError.
 * Domain and persistence already speak ChatError (persistence translates driver outages into
 * SERVICE_UNAVAILABLE); anything else is a bug: logged with detail, masked for the client.
 */
export function toChatError(error: unknown, logger: Logger): ChatError {
  if (error instanceof ChatError) {
    if (error.code === 'SERVICE_UNAVAILABLE') logger.warn({ err: error.cause ?? error }, 'datastore unavailable');
    return error;
  }
  logger.error({ err: error }, 'unexpected error');
  return new ChatError('INTERNAL_SERVER_ERROR', MASKED_MESSAGE);
}

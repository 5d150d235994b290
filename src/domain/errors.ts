/** Stable error codes; every edge (GraphQL, REST, graphql-ws) translates from these. */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  /** A block between the two users stops this (details.blockedByYou says whose). */
  | 'BLOCKED'
  /** A conversationEvents cursor older than the events kept: reload the conversation, take its eventCursor. */
  | 'RESYNC_REQUIRED'
  | 'PAYLOAD_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL_SERVER_ERROR';

/** An error whose message is safe to show to the client that caused it. */
export class ChatError extends Error {
  override readonly name = 'ChatError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    /** JSON-safe extra facts for the client, such as the offending field. */
    readonly details: Readonly<Record<string, unknown>> = {},
    /** The underlying failure, for logs only (never sent to clients). */
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }

  static badInput(message: string, field?: string): ChatError {
    return new ChatError('BAD_USER_INPUT', message, field ? { field } : {});
  }

  static unauthenticated(message = 'Authentication required: send a valid Bearer token'): ChatError {
    return new ChatError('UNAUTHENTICATED', message);
  }

  static forbidden(message: string): ChatError {
    return new ChatError('FORBIDDEN', message);
  }

  static notFound(message: string): ChatError {
    return new ChatError('NOT_FOUND', message);
  }

  static unavailable(message: string, cause?: unknown): ChatError {
    return new ChatError('SERVICE_UNAVAILABLE', message, {}, { cause });
  }
}

/** A live feed's reader fell more than its buffer behind; the subscription ends (the client resumes). */
export class QueueOverflowError extends Error {
  override readonly name = 'QueueOverflowError';
}

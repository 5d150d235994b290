import { ChatError } from './errors';
import type { UserId } from './ids';

/**
 * `change`: edits, reactions, pins and blocks. `upload`: attachments. `schedule`: scheduling and
 * cancelling. `resume`: a userEvents cursor made or read (`me.eventCursor`, the query, a subscription
 * with `after`): each reads every conversation of the user, and a new cursor is a write. `chat`:
 * startChat and endChat, each an event stored for the other person (their journal).
 */
export type RateLimitedAction =
  'send' | 'change' | 'typing' | 'search' | 'directory' | 'connect' | 'upload' | 'schedule' | 'resume' | 'chat';

/**
 * Per user and action, shared by every instance. Fixed windows of `windowSeconds`: "10/s with
 * bursts of 20" is 20 per 2 s.
 */
export const RATE_LIMITS: Readonly<Record<RateLimitedAction, { points: number; windowSeconds: number }>> = {
  send: { points: 20, windowSeconds: 2 },
  change: { points: 30, windowSeconds: 5 },
  typing: { points: 10, windowSeconds: 2 },
  search: { points: 10, windowSeconds: 5 },
  directory: { points: 10, windowSeconds: 5 },
  connect: { points: 20, windowSeconds: 10 },
  upload: { points: 20, windowSeconds: 60 },
  schedule: { points: 20, windowSeconds: 10 },
  resume: { points: 30, windowSeconds: 10 },
  chat: { points: 10, windowSeconds: 10 },
};

export interface RateLimiter {
  /** Counts one `action` by `userId`; throws RATE_LIMITED (with `retryAfter` seconds) when over the limit. */
  consume(userId: UserId, action: RateLimitedAction): Promise<void>;
}

export const unlimited: RateLimiter = { consume: async () => undefined };

/** The error every edge translates: GraphQL `RATE_LIMITED` + `retryAfter`, REST 429 + headers. */
export function rateLimited(action: RateLimitedAction, retryAfterMs: number): ChatError {
  const retryAfter = Math.max(1, Math.ceil(retryAfterMs / 1000));
  const { points, windowSeconds } = RATE_LIMITS[action];
  return new ChatError(
    'RATE_LIMITED',
    `Too many ${action} requests: at most ${points} per ${windowSeconds} s; retry in ${retryAfter} s`,
    {
      retryAfter,
      limit: points,
      windowSeconds,
    },
  );
}

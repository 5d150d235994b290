import type { RedisClient } from '../../pubsub/redis.connections';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { UserId } from '../../domain/ids';
import { RATE_LIMITS, rateLimited, type RateLimitedAction, type RateLimiter } from '../../domain/rate-limit';

/**
 * rate-limiter-flexible over the shared Redis, so limits hold across instances. While Redis is
 * down each process falls back to the same limits in memory (its insurance limiter) rather than
 * refusing or waving everything through.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly limiters: Record<RateLimitedAction, RateLimiterRedis>;

  constructor(redis: RedisClient) {
    const build = (action: RateLimitedAction) => {
      const { points, windowSeconds } = RATE_LIMITS[action];
      return new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: `ratelimit:${action}`,
        points,
        duration: windowSeconds,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory({ points, duration: windowSeconds }),
      });
    };
    this.limiters = {
      send: build('send'),
      change: build('change'),
      typing: build('typing'),
      search: build('search'),
      directory: build('directory'),
      connect: build('connect'),
      upload: build('upload'),
      schedule: build('schedule'),
      resume: build('resume'),
      chat: build('chat'),
    };
  }

  async consume(userId: UserId, action: RateLimitedAction): Promise<void> {
    try {
      await this.limiters[action].consume(userId);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) throw rateLimited(action, rejection.msBeforeNext);
      throw rejection;
    }
  }
}

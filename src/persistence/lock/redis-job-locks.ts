import { randomBytes } from 'node:crypto';
import { ChatError } from '../../domain/errors';
import type { JobLocks } from '../../domain/scheduling/scheduled-message.types';
import type { RedisClient } from '../../pubsub/redis.connections';

/** Deletes the lock only while it is still this holder's (a lock that expired may be someone else's now). */
const RELEASE = `
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0`;

/** {@link JobLocks} on Redis: `SET key token NX PX ttl`, released by compare-and-delete. One key each, so Cluster-safe. */
export class RedisJobLocks implements JobLocks {
  constructor(private readonly redis: RedisClient) {}

  async tryLock(key: string, ttlMs: number): Promise<(() => Promise<void>) | null> {
    const token = randomBytes(12).toString('hex');
    let taken: string | null;
    try {
      taken = await this.redis.set(key, token, 'PX', ttlMs, 'NX');
    } catch (error) {
      throw ChatError.unavailable('Redis is unavailable right now; retry shortly', error);
    }
    if (taken !== 'OK') return null;
    return async () => {
      await this.redis.eval(RELEASE, 1, key, token);
    };
  }
}

import { RedisPubSub } from 'graphql-redis-subscriptions';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../logging/logger';

export interface RedisHandle {
  /** Shared by every subscription of this process. */
  readonly pubsub: RedisPubSub;
  /** Publishing and plain commands (health, presence, rate limits). */
  readonly publisher: Redis;
  readonly subscriber: Redis;
  /** Round-trips a PING; false on failure or after `timeoutMs`. @default 1000 */
  ping(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

/** Reconnect forever, backing off to one attempt every 2 s. */
const retryStrategy = (attempt: number): number => Math.min(50 * 2 ** attempt, 2_000);

/**
 * Opens the one publisher and one subscriber connection of this process. The publisher has no
 * offline queue and a 1 s command timeout, so while Redis is down a publish fails at once instead
 * of hanging a send for ~10 s (messages are already stored; clients resume from MongoDB). The
 * subscriber keeps its queue so (re)subscriptions made while reconnecting are sent on reconnect.
 */
export async function connectRedis(url: string, logger: Logger): Promise<RedisHandle> {
  const common: RedisOptions = { lazyConnect: true, retryStrategy, connectTimeout: 2_000, enableReadyCheck: true };
  const publisher = new Redis(url, {
    ...common,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 1_000,
    enableAutoPipelining: true,
    connectionName: 'chat-publisher',
  });
  const subscriber = new Redis(url, {
    ...common,
    enableOfflineQueue: true,
    maxRetriesPerRequest: null,
    autoResubscribe: true,
    connectionName: 'chat-subscriber',
  });

  let closing = false;
  for (const [role, client] of [
    ['publisher', publisher],
    ['subscriber', subscriber],
  ] as const) {
    let wasReady = false;
    client.on('ready', () => {
      if (wasReady) logger.info({ role }, 'redis reconnected');
      wasReady = true;
    });
    client.on('error', (error: Error) => logger.debug({ role, err: error.message }, 'redis connection error'));
    client.on('close', () => {
      if (wasReady && !closing) logger.warn({ role }, 'redis connection lost; reconnecting');
    });
  }

  await Promise.all([publisher.connect(), subscriber.connect()]);
  const pubsub = new RedisPubSub({ publisher, subscriber });

  return {
    pubsub,
    publisher,
    subscriber,
    async ping(timeoutMs = 1_000) {
      if (publisher.status !== 'ready' || subscriber.status !== 'ready') return false;
      const timeout = new Promise<false>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref());
      const ping = publisher.ping().then(
        () => true,
        () => false,
      );
      return Promise.race([ping, timeout]);
    },
    async close() {
      closing = true;
      publisher.disconnect();
      subscriber.disconnect();
    },
  };
}

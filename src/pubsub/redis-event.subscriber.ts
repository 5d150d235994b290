import type { RedisPubSub } from 'graphql-redis-subscriptions';
import type { ChatEvent, DynamicLiveEvents, EventSubscriber, Feed, LiveEvents } from '../domain/events';
import type { Logger } from '../logging/logger';
import { EventQueue } from './event-queue';
import { isChatEvent, topicForFeed } from './topics';

/** Events buffered per subscription before a slow reader is cut off. @default 1000 */
export const DEFAULT_QUEUE_CAPACITY = 1000;

/**
 * The domain's live feeds over graphql-redis-subscriptions' `RedisPubSub`. Unlike
 * `RedisPubSub.asyncIterator`, which subscribes lazily on the first `next()`, this subscribes in
 * Redis at once and says when Redis confirmed it (`ready`), so an event published between
 * subscribe and first read is kept. Subscriptions open feeds through the service layer (see
 * graphql/subscription.ts), so type-graphql's own `PubSub` is not used. Payloads that are not chat
 * events (garbage published on a channel) are logged and dropped.
 */
export class RedisEventSubscriber implements EventSubscriber {
  constructor(
    private readonly redis: RedisPubSub,
    private readonly logger: Logger,
    private readonly queueCapacity = DEFAULT_QUEUE_CAPACITY,
  ) {}

  open(feed: Feed): LiveEvents {
    return this.openMany([feed]);
  }

  /** Subscribes to every feed's topic now; events arrive on one bounded queue. */
  openMany(feeds: readonly Feed[]): DynamicLiveEvents {
    /** Topic to its RedisPubSub subscription id (graphql-redis-subscriptions shares one Redis subscription per topic per process). */
    const subscriptions = new Map<string, Promise<number>>();
    const unsubscribe = (id: Promise<number>) =>
      // Redis drops a connection's subscriptions when it goes; a failure here only delays that.
      id
        .then((resolved) => this.redis.unsubscribe(resolved))
        .catch((error: unknown) => this.logger.warn({ err: error }, 'unsubscribe failed'));
    const events = new EventQueue<ChatEvent>(this.queueCapacity, () => {
      for (const id of subscriptions.values()) unsubscribe(id);
      subscriptions.clear();
    });
    const subscribe = (topics: readonly string[]): Promise<void> => {
      const pending: Array<Promise<number>> = [];
      for (const topic of topics) {
        if (subscriptions.has(topic)) continue;
        const id = this.redis.subscribe(topic, (payload: unknown) => {
          if (isChatEvent(payload)) events.push(payload);
          else this.logger.warn({ topic }, 'dropped a malformed event from redis');
        });
        subscriptions.set(topic, id);
        pending.push(id);
      }
      return Promise.all(pending).then(() => undefined);
    };
    return {
      events,
      ready: subscribe(feeds.map(topicForFeed)),
      add: (more: readonly Feed[]) => subscribe(more.map(topicForFeed)),
      remove: (less: readonly Feed[]) => {
        for (const topic of less.map(topicForFeed)) {
          const id = subscriptions.get(topic);
          if (!id) continue;
          subscriptions.delete(topic);
          unsubscribe(id);
        }
      },
    };
  }
}

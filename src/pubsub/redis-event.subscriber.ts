import type { RedisPubSub } from 'graphql-redis-subscriptions';
import type { ChatEvent, EventSubscriber, Feed, LiveEvents } from '../domain/events';
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
    return this.listen([topicForFeed(feed)]);
  }

  /** Subscribes to every topic now; events arrive on one bounded queue. */
  listen(topics: readonly string[]): LiveEvents {
    const subscriptionIds: Array<Promise<number>> = [];
    const events = new EventQueue<ChatEvent>(this.queueCapacity, () => {
      for (const id of subscriptionIds) {
        // Redis drops a connection's subscriptions when it goes; a failure here only delays that.
        id.then((resolved) => this.redis.unsubscribe(resolved)).catch((error: unknown) =>
          this.logger.warn({ err: error }, 'unsubscribe failed'),
        );
      }
    });
    for (const topic of topics) {
      subscriptionIds.push(
        this.redis.subscribe(topic, (payload: unknown) => {
          if (isChatEvent(payload)) events.push(payload);
          else this.logger.warn({ topic }, 'dropped a malformed event from redis');
        }),
      );
    }
    return { events, ready: Promise.all(subscriptionIds).then(() => undefined) };
  }
}

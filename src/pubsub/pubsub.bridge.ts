import type { RedisPubSub } from 'graphql-redis-subscriptions';
import type { PubSub } from 'type-graphql';
import type { ChatEvent, EventSubscriber, Feed, LiveEvents } from '../domain/events';
import type { Logger } from '../logging/logger';
import { EventQueue } from './event-queue';
import { isChatEvent, topicForFeed } from './topics';

/** Events buffered per subscription before a slow reader is cut off. @default 1000 */
export const DEFAULT_QUEUE_CAPACITY = 1000;

/**
 * Adapts graphql-redis-subscriptions' `RedisPubSub` to type-graphql 2's `PubSub`. Unlike
 * `RedisPubSub.asyncIterator`, which subscribes lazily on the first `next()`, this subscribes in
 * Redis at once, so an event published between subscribe and first read is kept. Payloads that
 * are not chat events (garbage published on a channel) are logged and dropped.
 */
export class ChatPubSub implements PubSub, EventSubscriber {
  constructor(
    private readonly redis: RedisPubSub,
    private readonly logger: Logger,
    private readonly queueCapacity = DEFAULT_QUEUE_CAPACITY,
  ) {}

  publish(routingKey: string, ...args: unknown[]): void {
    this.redis.publish(routingKey, args[0]).catch((error: unknown) => {
      this.logger.warn({ topic: routingKey, err: String(error) }, 'publish failed');
    });
  }

  subscribe(routingKey: string, dynamicId?: unknown): AsyncIterable<unknown> {
    const topic = dynamicId === undefined ? routingKey : `${routingKey}:${String(dynamicId)}`;
    const live = this.listen([topic]);
    live.ready.catch(() => undefined); // surfaced through the queue, not as an unhandled rejection
    return live.events;
  }

  open(feed: Feed): LiveEvents {
    return this.listen([topicForFeed(feed)]);
  }

  /** Subscribes to every topic now; events arrive on one bounded queue. */
  listen(topics: readonly string[]): LiveEvents {
    const subscriptionIds: Array<Promise<number>> = [];
    const events = new EventQueue<ChatEvent>(this.queueCapacity, () => {
      for (const id of subscriptionIds) {
        id.then((resolved) => this.redis.unsubscribe(resolved)).catch(() => undefined);
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

import type { RedisPubSub } from 'graphql-redis-subscriptions';
import type { ChatEvent, EventPublisher } from '../domain/events';
import type { Logger } from '../logging/logger';
import { topicsFor } from './topics';

/** Publishes each event on every topic it belongs to. Never throws: Redis pub/sub is best effort. */
export class RedisEventPublisher implements EventPublisher {
  constructor(
    private readonly pubsub: RedisPubSub,
    private readonly logger: Logger,
  ) {}

  async publish(event: ChatEvent): Promise<void> {
    const topics = topicsFor(event);
    const results = await Promise.allSettled(topics.map((topic) => this.pubsub.publish(topic, event)));
    const failed = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed.length > 0) {
      this.logger.warn(
        { kind: event.kind, failedTopics: failed.length, err: String(failed[0]?.reason) },
        'event not published; subscribers will catch up on resume',
      );
    }
  }
}

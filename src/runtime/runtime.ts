import type { GraphQLSchema } from 'graphql';
import type { Config } from '../config/config';
import { createServices, type Services } from '../domain/services';
import { ChatMetrics } from '../metrics/chat-metrics';
import type { UserRepository } from '../domain/user/user.types';
import { buildChatSchema } from '../graphql/schema';
import { cachedDomainUsers } from './domain-users';
import type { Logger } from '../logging/logger';
import { MongoConversationRepository } from '../persistence/conversation/conversation.repository';
import { MongoMembershipRepository } from '../persistence/membership/membership.repository';
import { MongoMessageRepository } from '../persistence/message/chat-message.repository';
import { MongoAttachmentRepository } from '../persistence/attachment/attachment.repository';
import { GridFsAttachmentFiles } from '../persistence/attachment/gridfs-attachment.files';
import { RedisJobLocks } from '../persistence/lock/redis-job-locks';
import { MongoScheduledMessageRepository } from '../persistence/scheduling/scheduled-message.repository';
import { MongoMessageChangeRepository } from '../persistence/timeline/message-change.repository';
import { MongoEventCheckpointRepository } from '../persistence/user-stream/event-checkpoint.repository';
import { MongoUserJournalRepository } from '../persistence/user-stream/user-journal.repository';
import { translateDatastoreErrors } from '../persistence/errors';
import { connectMongo, type MongoHandle } from '../persistence/mongo.connection';
import { unlimited } from '../domain/rate-limit';
import { RedisConversationLeases } from '../persistence/lease/redis-conversation-leases';
import { RedisPresenceStore } from '../persistence/presence/redis-presence.store';
import { RedisRateLimiter } from '../persistence/rate-limit/redis-rate-limiter';
import { MongoUserRepository } from '../persistence/user/user.repository';
import { RedisEventSubscriber } from '../pubsub/redis-event.subscriber';
import { connectRedis, type RedisHandle } from '../pubsub/redis.connections';
import { RedisEventPublisher } from '../pubsub/redis-event.publisher';

/** What one service process holds open: datastores, the service layer, and the schema over it. */
export interface Runtime {
  readonly mongo: MongoHandle;
  readonly redis: RedisHandle;
  readonly services: Services;
  readonly users: UserRepository;
  readonly schema: GraphQLSchema;
  readonly metrics: ChatMetrics;
  /** Closes Redis, then MongoDB. */
  close(): Promise<void>;
}

/** Connects MongoDB and Redis (one publisher + one subscriber connection) and builds the services. */
export async function openRuntime(
  config: Config,
  logger: Logger,
  options: { dbName?: string; service?: 'api' | 'ws' } = {},
): Promise<Runtime> {
  const mongo = await connectMongo(config.databaseUrl, { ...options, poolSize: config.databasePoolSize });
  let redis: RedisHandle;
  try {
    redis = await connectRedis(config.redis, logger.child({ component: 'redis' }));
  } catch (error) {
    await mongo.close();
    throw error;
  }
  const users = translateDatastoreErrors(new MongoUserRepository(mongo.connection));
  const metrics = new ChatMetrics(options.service ?? 'api');
  const services = createServices(
    {
      users: cachedDomainUsers(users, () => metrics.userQueried()),
      conversations: translateDatastoreErrors(new MongoConversationRepository(mongo.connection)),
      memberships: translateDatastoreErrors(new MongoMembershipRepository(mongo.connection)),
      leases: new RedisConversationLeases(redis.publisher, logger.child({ component: 'leases' }), config.leaseTtlMs),
      messages: translateDatastoreErrors(new MongoMessageRepository(mongo.connection)),
      changes: translateDatastoreErrors(new MongoMessageChangeRepository(mongo.connection)),
      checkpoints: translateDatastoreErrors(new MongoEventCheckpointRepository(mongo.connection)),
      journals: translateDatastoreErrors(new MongoUserJournalRepository(mongo.connection)),
      attachments: translateDatastoreErrors(new MongoAttachmentRepository(mongo.connection)),
      attachmentFiles: translateDatastoreErrors(new GridFsAttachmentFiles(mongo.connection)),
      scheduled: translateDatastoreErrors(new MongoScheduledMessageRepository(mongo.connection)),
      locks: new RedisJobLocks(redis.publisher),
      presence: new RedisPresenceStore(redis.publisher),
      observer: metrics,
      rateLimiter: config.rateLimits ? new RedisRateLimiter(redis.publisher) : unlimited,
      publisher: new RedisEventPublisher(redis.pubsub, logger.child({ component: 'publisher' })),
      subscriber: new RedisEventSubscriber(redis.pubsub, logger.child({ component: 'subscriber' })),
    },
    {
      typingExpiryMs: config.typingExpiryMs,
      sendMaxInFlight: config.sendMaxInFlight,
      maxGroupMembers: config.maxGroupMembers,
      maxReactionsPerMessage: config.maxReactionsPerMessage,
      pinRequiresAdmin: config.pinRequiresAdmin,
      eventRetentionDays: config.eventRetentionDays,
      attachments: { maxBytes: config.attachmentMaxBytes, unsentTtlSeconds: config.attachmentUnsentTtlSeconds },
      scheduleMinLeadSeconds: config.scheduleMinLeadSeconds,
    },
  );
  const schema = await buildChatSchema();
  metrics.labelledGauge(
    'chat_datastore_up',
    'Whether the datastore answers a ping (1) or not (0)',
    'datastore',
    async () => {
      const [mongoUp, redisUp] = await Promise.all([mongo.ping(), redis.ping()]);
      return { mongo: Number(mongoUp), redis: Number(redisUp) };
    },
  );
  return {
    mongo,
    redis,
    services,
    users,
    schema,
    metrics,
    async close() {
      await redis.close();
      await mongo.close();
    },
  };
}

/** The `/health` answer of either service: 200 when both datastores answer, else 503 naming the one down. */
export async function healthReport(runtime: Runtime, service: 'api' | 'ws') {
  const checks = await checkDatastores(runtime);
  return {
    status: checks.ok ? 200 : 503,
    body: { status: checks.ok ? 'ok' : 'unavailable', service, checks: { mongo: checks.mongo, redis: checks.redis } },
  };
}

/** Liveness of both datastores, for `/health`. */
export async function checkDatastores(
  runtime: Runtime,
): Promise<{ ok: boolean; mongo: 'up' | 'down'; redis: 'up' | 'down' }> {
  const [mongoUp, redisUp] = await Promise.all([runtime.mongo.ping(), runtime.redis.ping()]);
  return { ok: mongoUp && redisUp, mongo: mongoUp ? 'up' : 'down', redis: redisUp ? 'up' : 'down' };
}

import { EventEmitter } from 'node:events';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisTopology } from '../config/config';
import type { Logger } from '../logging/logger';

/**
 * The commands this project runs on Redis (scripts, keys, sets, hashes), the same on one server, a
 * Sentinel-managed primary and a Cluster. On a Cluster a script's keys share one hash tag, and a
 * batch of commands on different keys is sent as separate commands, never as one `pipeline()`,
 * which a Cluster refuses across slots (auto-pipelined on one server or a Sentinel primary; one by
 * one on a Cluster, see openClients).
 */
export type RedisClient = Redis | Cluster;

export interface RedisHandle {
  /** Shared by every subscription of this process. */
  readonly pubsub: RedisPubSub;
  /** Publishing and plain commands (health, presence, rate limits, leases). */
  readonly publisher: RedisClient;
  /** Round-trips a PING; false on failure or after `timeoutMs`. @default 1000 */
  ping(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

/** Reconnect forever, backing off to one attempt every 2 s. */
const retryStrategy = (attempt: number): number => Math.min(50 * 2 ** attempt, 2_000);

/** Per connection: fail fast while Redis is away, rather than hang a send (see connectRedis). */
const PUBLISHER_OPTIONS = {
  maxRetriesPerRequest: 0,
  commandTimeout: 1_000,
  connectionName: 'chat-publisher',
} as const satisfies RedisOptions;
const SUBSCRIBER_OPTIONS = {
  maxRetriesPerRequest: null,
  autoResubscribe: true,
  connectionName: 'chat-subscriber',
} as const satisfies RedisOptions;
const COMMON: RedisOptions = { lazyConnect: true, connectTimeout: 2_000, enableReadyCheck: true };

/**
 * Opens the one publisher and one subscriber connection of this process (on a Cluster: one pool of
 * each, one subscriber connection per shard). The publisher has no offline queue and a 1 s command
 * timeout, so while Redis is down (or failing over) a publish fails at once instead of hanging a
 * send for ~10 s (messages are already stored; clients resume from MongoDB). The subscriber keeps
 * its queue so (re)subscriptions made while reconnecting are sent on reconnect.
 */
export async function connectRedis(topology: RedisTopology, logger: Logger): Promise<RedisHandle> {
  const { publisher, subscriber, pubsub } = openClients(topology);
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

  try {
    await Promise.all([publisher.connect(), subscriber.connect()]);
  } catch (error) {
    publisher.disconnect();
    subscriber.disconnect();
    throw error;
  }

  return {
    pubsub,
    publisher,
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

function openClients(topology: RedisTopology): {
  publisher: RedisClient;
  subscriber: RedisClient;
  pubsub: RedisPubSub;
} {
  switch (topology.kind) {
    case 'single': {
      const publisher = new Redis(topology.url, {
        ...COMMON,
        ...PUBLISHER_OPTIONS,
        retryStrategy,
        enableOfflineQueue: false,
        enableAutoPipelining: true,
      });
      const subscriber = new Redis(topology.url, { ...COMMON, ...SUBSCRIBER_OPTIONS, retryStrategy });
      return {
        publisher,
        subscriber,
        pubsub: new RedisPubSub({ publisher, subscriber: settledUnsubscribes(subscriber) }),
      };
    }
    case 'sentinel': {
      // ioredis asks the sentinels for the primary, and with `failoverDetector` listens for
      // +switch-master so a failover moves the connections at once, not on their next error.
      const sentinel: RedisOptions = {
        sentinels: topology.sentinels.map(({ host, port }) => ({ host, port })),
        name: topology.name,
        role: 'master',
        failoverDetector: true,
        sentinelRetryStrategy: retryStrategy,
        retryStrategy,
      };
      const publisher = new Redis({
        ...COMMON,
        ...PUBLISHER_OPTIONS,
        ...sentinel,
        enableOfflineQueue: false,
        enableAutoPipelining: true,
      });
      const subscriber = new Redis({ ...COMMON, ...SUBSCRIBER_OPTIONS, ...sentinel });
      return {
        publisher,
        subscriber,
        pubsub: new RedisPubSub({ publisher, subscriber: settledUnsubscribes(subscriber) }),
      };
    }
    case 'cluster': {
      const nodes = topology.nodes.map(({ host, port }) => ({ host, port }));
      const cluster: ClusterOptions = {
        lazyConnect: true,
        enableReadyCheck: true,
        clusterRetryStrategy: retryStrategy,
        // During a master's failover its slots answer CLUSTERDOWN / connection errors for a few
        // seconds; the slot map is refreshed and a command is retried briefly, then fails.
        retryDelayOnFailover: 200,
        retryDelayOnClusterDown: 200,
        slotsRefreshTimeout: 2_000,
        // No auto-pipelining on a Cluster: ioredis batches per node, and a batch that meets a MOVED
        // (after a failover) fails whole and keeps its stale route, so publishes kept failing with
        // MOVED until something else refreshed the slot map (ioredis issue 2075, seen in CI).
        // Each command on its own follows MOVED and refreshes the map.
        enableAutoPipelining: false,
      };
      const publisher = new Cluster(nodes, {
        ...cluster,
        enableOfflineQueue: false,
        redisOptions: { ...PUBLISHER_OPTIONS, connectTimeout: 2_000 },
      });
      const subscriber = new Cluster(nodes, {
        ...cluster,
        // Sharded pub/sub: one subscriber connection per shard, SSUBSCRIBE/SPUBLISH, so a message
        // costs the shard that owns its channel, not every node of the cluster.
        shardedSubscribers: true,
        enableOfflineQueue: true,
        redisOptions: { ...SUBSCRIBER_OPTIONS, connectTimeout: 2_000 },
      });
      const pubsub = new RedisPubSub({
        publisher: shardedPublisher(publisher) as unknown as Redis,
        subscriber: shardedSubscriber(subscriber) as unknown as Redis,
      });
      return { publisher, subscriber, pubsub };
    }
  }
}

/**
 * graphql-redis-subscriptions' `RedisPubSub` speaks classic pub/sub (`publish`, `subscribe`,
 * `unsubscribe`, the `message` event). On a Cluster these two adapters give it the sharded
 * commands under those names; its reference counting and dispatch stay as they are. Patterns do
 * not exist in sharded pub/sub, and this project subscribes to none.
 */
/**
 * `RedisPubSub.unsubscribe` sends UNSUBSCRIBE and PUNSUBSCRIBE without awaiting them, so when the
 * connection closes meanwhile (a subscription ending as the process shuts down) their rejections
 * went unhandled (seen: "Connection is closed" failing a test file after its tests passed). This
 * view of the subscriber settles them; Redis forgets a closed connection's subscriptions anyway.
 */
function settledUnsubscribes(subscriber: Redis): Redis {
  const settled = (command: 'unsubscribe' | 'punsubscribe') => (channel: string) =>
    subscriber[command](channel).catch(() => undefined);
  return new Proxy(subscriber, {
    get(target, property, receiver) {
      if (property === 'unsubscribe' || property === 'punsubscribe') return settled(property);
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function shardedPublisher(cluster: Cluster) {
  return {
    publish: (channel: string, message: string | Buffer) => cluster.spublish(channel, message),
    quit: () => cluster.quit(),
  };
}

function shardedSubscriber(cluster: Cluster) {
  const events = new EventEmitter();
  cluster.on('smessage', (channel: string, message: string) => events.emit('message', channel, message));
  return {
    on: (event: string, listener: (...args: unknown[]) => void) => events.on(event, listener),
    subscribe: (channel: string, done: (error: Error | null) => void) => {
      cluster.ssubscribe(channel).then(
        () => done(null),
        (error: Error) => done(error),
      );
    },
    unsubscribe: (channel: string) => cluster.sunsubscribe(channel).catch(() => undefined),
    psubscribe: (_pattern: string, done: (error: Error | null) => void) =>
      done(new Error('pattern subscriptions do not exist in sharded pub/sub')),
    punsubscribe: () => Promise.resolve(),
    quit: () => cluster.quit(),
  };
}

/**
 * Runs one command per item and settles them all: the Cluster-safe form of a `pipeline()` over
 * keys of different slots (on one server, auto-pipelining still sends them in one write).
 */
export function settleEach<T, R>(
  items: readonly T[],
  command: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  return Promise.allSettled(items.map((item) => command(item)));
}

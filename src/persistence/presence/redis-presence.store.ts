import type { Redis } from 'ioredis';
import type { UserId } from '../../domain/ids';
import type { PresenceState, PresenceStore } from '../../domain/presence/presence.types';

const PREFIX = 'presence:';
const Keys = {
  /** HASH instanceId -> open connections of the user there. */
  user: (userId: string) => `${PREFIX}user:${userId}`,
  lastSeen: (userId: string) => `${PREFIX}lastseen:${userId}`,
  /** SET of users with connections on the instance. */
  instanceUsers: (instanceId: string) => `${PREFIX}instance:${instanceId}:users`,
  alive: (instanceId: string) => `${PREFIX}instance:${instanceId}:alive`,
  instances: `${PREFIX}instances`,
};

// Each script is one atomic step, so two instances can never both see "first connection" or
// "last disconnection" for the same user.
const CONNECT = `
local before = 0
for _, count in ipairs(redis.call('HVALS', KEYS[1])) do before = before + tonumber(count) end
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[1])
if before == 0 then return 1 end
return 0`;

const DISCONNECT = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
local left = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if left <= 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('SREM', KEYS[2], ARGV[2])
end
if redis.call('HLEN', KEYS[1]) == 0 then
  redis.call('SET', KEYS[3], ARGV[3])
  return 1
end
return 0`;

const REAP = `
local offline = {}
for _, userId in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local userKey = ARGV[3] .. 'user:' .. userId
  if redis.call('HDEL', userKey, ARGV[1]) == 1 and redis.call('HLEN', userKey) == 0 then
    redis.call('SET', ARGV[3] .. 'lastseen:' .. userId, ARGV[2])
    table.insert(offline, userId)
  end
end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
return offline`;

/** Presence in Redis: connection counts per user and instance, instance heartbeats with a TTL. */
export class RedisPresenceStore implements PresenceStore {
  constructor(private readonly redis: Redis) {}

  async connect(userId: UserId, instanceId: string): Promise<boolean> {
    const result = await this.redis.eval(
      CONNECT,
      3,
      Keys.user(userId),
      Keys.instanceUsers(instanceId),
      Keys.instances,
      instanceId,
      userId,
    );
    return result === 1;
  }

  async disconnect(userId: UserId, instanceId: string, at: Date): Promise<boolean> {
    const result = await this.redis.eval(
      DISCONNECT,
      3,
      Keys.user(userId),
      Keys.instanceUsers(instanceId),
      Keys.lastSeen(userId),
      instanceId,
      userId,
      at.toISOString(),
    );
    return result === 1;
  }

  async heartbeat(instanceId: string, ttlMs: number): Promise<void> {
    await this.redis.set(Keys.alive(instanceId), '1', 'PX', ttlMs);
  }

  async reap(instanceId: string, at: Date): Promise<UserId[]> {
    const offline = await this.redis.eval(
      REAP,
      2,
      Keys.instanceUsers(instanceId),
      Keys.instances,
      instanceId,
      at.toISOString(),
      PREFIX,
    );
    return offline as UserId[];
  }

  async deadInstances(): Promise<string[]> {
    const instances = await this.redis.smembers(Keys.instances);
    if (instances.length === 0) return [];
    const alive = await Promise.all(instances.map((instanceId) => this.redis.exists(Keys.alive(instanceId))));
    return instances.filter((_instanceId, index) => alive[index] === 0);
  }

  async lookup(userIds: readonly UserId[]): Promise<PresenceState[]> {
    if (userIds.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const userId of userIds) pipeline.hlen(Keys.user(userId)).get(Keys.lastSeen(userId));
    const results = (await pipeline.exec()) ?? [];
    return userIds.map((userId, index) => {
      const [, connections] = results[index * 2] ?? [];
      const [, lastSeen] = results[index * 2 + 1] ?? [];
      const online = Number(connections) > 0;
      return { userId, online, lastSeenAt: online || typeof lastSeen !== 'string' ? null : new Date(lastSeen) };
    });
  }
}

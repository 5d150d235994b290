import type { RedisClient } from '../../pubsub/redis.connections';
import type { UserId } from '../../domain/ids';
import type { PresenceState, PresenceStore } from '../../domain/presence/presence.types';

const PREFIX = 'presence:';
// A user's keys share the hash tag `{<userId>}` and an instance's keys `{<instanceId>}`, so every
// script touches one slot and works on Redis Cluster; a step spanning a user and an instance is two
// commands, ordered so that a crash between them leaves nothing the reap cannot clean up.
const Keys = {
  /** HASH instanceId -> open connections of the user there. */
  user: (userId: string) => `${PREFIX}{${userId}}:connections`,
  lastSeen: (userId: string) => `${PREFIX}{${userId}}:lastseen`,
  /** SET of users with connections on the instance. */
  instanceUsers: (instanceId: string) => `${PREFIX}instance:{${instanceId}}:users`,
  alive: (instanceId: string) => `${PREFIX}instance:{${instanceId}}:alive`,
  instances: `${PREFIX}instances`,
};

// Each script is one atomic step on one user, so two instances can never both see "first
// connection" or "last disconnection" for the same user.
const CONNECT = `
local before = 0
for _, count in ipairs(redis.call('HVALS', KEYS[1])) do before = before + tonumber(count) end
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
if before == 0 then return 1 end
return 0`;

/** Returns { instance has no more of the user's connections (0/1), user went offline (0/1) }. */
const DISCONNECT = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return {0, 0} end
local left = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
local instanceDone = 0
if left <= 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
  instanceDone = 1
end
if redis.call('HLEN', KEYS[1]) == 0 then
  redis.call('SET', KEYS[2], ARGV[2])
  return {instanceDone, 1}
end
return {instanceDone, 0}`;

/** Drops a dead instance's connections of one user; 1 when that left the user offline. */
const REAP_USER = `
if redis.call('HDEL', KEYS[1], ARGV[1]) == 1 and redis.call('HLEN', KEYS[1]) == 0 then
  redis.call('SET', KEYS[2], ARGV[2])
  return 1
end
return 0`;

/** Presence in Redis: connection counts per user and instance, instance heartbeats with a TTL. */
export class RedisPresenceStore implements PresenceStore {
  constructor(private readonly redis: RedisClient) {}

  async connect(userId: UserId, instanceId: string): Promise<boolean> {
    // Registered with the instance first: if this process dies before counting the connection,
    // the reap finds nothing to undo; the other way round it would leave the user online forever.
    await Promise.all([
      this.redis.sadd(Keys.instanceUsers(instanceId), userId),
      this.redis.sadd(Keys.instances, instanceId),
    ]);
    const result = await this.redis.eval(CONNECT, 1, Keys.user(userId), instanceId);
    return result === 1;
  }

  async disconnect(userId: UserId, instanceId: string, at: Date): Promise<boolean> {
    const [instanceDone, offline] = (await this.redis.eval(
      DISCONNECT,
      2,
      Keys.user(userId),
      Keys.lastSeen(userId),
      instanceId,
      at.toISOString(),
    )) as [number, number];
    if (instanceDone === 1) await this.redis.srem(Keys.instanceUsers(instanceId), userId);
    return offline === 1;
  }

  async heartbeat(instanceId: string, ttlMs: number): Promise<void> {
    await this.redis.set(Keys.alive(instanceId), '1', 'PX', ttlMs);
  }

  async reap(instanceId: string, at: Date): Promise<UserId[]> {
    const users = (await this.redis.smembers(Keys.instanceUsers(instanceId))) as UserId[];
    const results = await Promise.all(
      users.map((userId) =>
        this.redis.eval(REAP_USER, 2, Keys.user(userId), Keys.lastSeen(userId), instanceId, at.toISOString()),
      ),
    );
    await this.redis.del(Keys.instanceUsers(instanceId));
    await this.redis.srem(Keys.instances, instanceId);
    return users.filter((_userId, index) => results[index] === 1);
  }

  async deadInstances(): Promise<string[]> {
    const instances = await this.redis.smembers(Keys.instances);
    if (instances.length === 0) return [];
    const alive = await Promise.all(instances.map((instanceId) => this.redis.exists(Keys.alive(instanceId))));
    return instances.filter((_instanceId, index) => alive[index] === 0);
  }

  async lookup(userIds: readonly UserId[]): Promise<PresenceState[]> {
    if (userIds.length === 0) return [];
    const results = await Promise.all(
      userIds.map((userId) => Promise.all([this.redis.hlen(Keys.user(userId)), this.redis.get(Keys.lastSeen(userId))])),
    );
    return userIds.map((userId, index) => {
      const [connections, lastSeen] = results[index] ?? [];
      const online = Number(connections) > 0;
      return { userId, online, lastSeenAt: online || typeof lastSeen !== 'string' ? null : new Date(lastSeen) };
    });
  }
}

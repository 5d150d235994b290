import { randomBytes } from 'node:crypto';
import type { ConversationLease, ConversationLeases } from '../../domain/conversation/conversation.lease';
import type { ConversationId } from '../../domain/ids';
import type { Logger } from '../../logging/logger';
import { settleEach, type RedisClient } from '../../pubsub/redis.connections';

// Both keys of a conversation share the hash tag `{<conversationId>}`, so the scripts touch one
// slot and keep working on Redis Cluster.
const leaseKey = (id: ConversationId) => `chat:lease:{${id}}`;
const fenceKey = (id: ConversationId) => `chat:fence:{${id}}`;
/** Processes waiting for the lease, first asked first (sorted set), and when each last asked (hash). */
const queueKey = (id: ConversationId) => `chat:lease-queue:{${id}}`;
const seenKey = (id: ConversationId) => `chat:lease-seen:{${id}}`;

/**
 * Takes the lease when it is free and this process is first in line (or nobody waits), and hands
 * out the next fence; otherwise queues this process and answers 0. The queue makes the lease fair:
 * without it, the process that just released a busy conversation takes it straight back while the
 * others sleep between attempts, and starves them (seen: sends on the second instance timed out).
 * A waiter that stops asking for STALE_WAITER_MS loses its place.
 * KEYS: lease, fence, queue, seen. ARGV: token, ttl ms, fence ttl ms, waiter id, stale ms.
 */
const ACQUIRE = `
local clock = redis.call('time')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
while true do
  local head = redis.call('zrange', KEYS[3], 0, 0)[1]
  if not head then break end
  local seen = tonumber(redis.call('hget', KEYS[4], head) or '0')
  if now - seen <= tonumber(ARGV[5]) then break end
  redis.call('zrem', KEYS[3], head)
  redis.call('hdel', KEYS[4], head)
end
local head = redis.call('zrange', KEYS[3], 0, 0)[1]
if redis.call('exists', KEYS[1]) == 0 and (not head or head == ARGV[4]) then
  redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
  redis.call('zrem', KEYS[3], ARGV[4])
  redis.call('hdel', KEYS[4], ARGV[4])
  local fence = redis.call('incr', KEYS[2])
  redis.call('pexpire', KEYS[2], ARGV[3])
  return fence
end
redis.call('zadd', KEYS[3], 'NX', now, ARGV[4])
redis.call('hset', KEYS[4], ARGV[4], now)
redis.call('pexpire', KEYS[3], 10000)
redis.call('pexpire', KEYS[4], 10000)
return 0`;

/** A queued process that has not asked again for this long is skipped. @default 250 ms */
const STALE_WAITER_MS = 250;
const RENEW = `
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0`;
const RELEASE = `
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0`;
/** Lifts the fence counter above ARGV[2] for the holder of the lease; 0 when the lease is lost. */
const RAISE = `
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
local current = tonumber(redis.call('get', KEYS[2]) or '0')
if current < tonumber(ARGV[2]) then redis.call('set', KEYS[2], ARGV[2]) end
local fence = redis.call('incr', KEYS[2])
redis.call('pexpire', KEYS[2], ARGV[3])
return fence`;

/**
 * A fence counter unused this long is dropped; the next grant starts low again and is lifted
 * above the conversation's stored fence by `raiseFence`. Bounds Redis memory to active chats.
 */
const FENCE_TTL_MS = 7 * 24 * 3600 * 1000;

interface Hold {
  readonly token: string;
  lease: ConversationLease;
  readonly released: Promise<void>;
  readonly markReleased: () => void;
}

function newHold(conversationId: ConversationId, token: string): Hold {
  let markReleased!: () => void;
  const released = new Promise<void>((resolve) => (markReleased = resolve));
  return { token, lease: { conversationId, fence: null }, released, markReleased };
}

/**
 * Conversation leases in Redis (`SET NX PX` + a fence counter, by Lua so each step is atomic),
 * renewed every third of their time-to-live while held, and exclusive within this process too.
 * While Redis cannot be reached, leases are granted by this process alone with no fence (the
 * send path stays available, as DESIGN.md requires; README, "The send path", says what that
 * costs).
 */
export class RedisConversationLeases implements ConversationLeases {
  private readonly holds = new Map<ConversationId, Hold>();
  private readonly instance = randomBytes(6).toString('hex');
  private counter = 0;
  private renewTimer: NodeJS.Timeout | null = null;
  private redisDown = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly logger: Logger,
    /** @see Config.leaseTtlMs */
    private readonly ttlMs: number,
  ) {}

  heldLocally(id: ConversationId): boolean {
    return this.holds.has(id);
  }

  releasedLocally(id: ConversationId): Promise<void> {
    return this.holds.get(id)?.released ?? Promise.resolve();
  }

  async tryAcquire(ids: readonly ConversationId[]): Promise<Map<ConversationId, ConversationLease>> {
    // Reserve in this process first, synchronously, so two callers here never both ask Redis.
    const mine = [...new Set(ids)]
      .filter((id) => !this.holds.has(id))
      .map((id) => {
        const hold = newHold(id, `${this.instance}:${(this.counter += 1)}`);
        this.holds.set(id, hold);
        return hold;
      });
    const granted = new Map<ConversationId, ConversationLease>();
    if (mine.length === 0) return granted;
    const fences = await this.acquireInRedis(mine);
    mine.forEach((hold, index) => {
      const fence = fences[index];
      if (fence === 0) {
        this.forget(hold);
        return;
      }
      hold.lease = { conversationId: hold.lease.conversationId, fence: fence ?? null };
      granted.set(hold.lease.conversationId, hold.lease);
    });
    this.scheduleRenewal();
    return granted;
  }

  async release(leases: Iterable<ConversationLease>): Promise<void> {
    const holds = [...leases].flatMap((lease) => {
      const hold = this.holds.get(lease.conversationId);
      return hold && hold.lease === lease ? [hold] : [];
    });
    const fenced = holds.filter((hold) => hold.lease.fence !== null);
    if (fenced.length > 0) {
      // A release that fails is not an error: the lease runs out within its time-to-live.
      await settleEach(fenced, (hold) => this.redis.eval(RELEASE, 1, leaseKey(hold.lease.conversationId), hold.token));
    }
    holds.forEach((hold) => this.forget(hold));
  }

  async raiseFence(lease: ConversationLease, floor: number): Promise<ConversationLease | null> {
    const hold = this.holds.get(lease.conversationId);
    if (!hold || hold.lease !== lease) return null;
    const fence = Number(
      await this.redis
        .eval(RAISE, 2, leaseKey(lease.conversationId), fenceKey(lease.conversationId), hold.token, floor, FENCE_TTL_MS)
        .catch(() => 0), // Redis gone: the caller retries, and gets a local lease that needs no fence
    );
    if (fence === 0) return null;
    this.logger.info({ conversationId: lease.conversationId, floor, fence }, 'lease fence lifted above the stored one');
    hold.lease = { conversationId: lease.conversationId, fence };
    return hold.lease;
  }

  /** Fences per hold (0: held by another process; null: Redis unreachable, granted locally). */
  private async acquireInRedis(holds: readonly Hold[]): Promise<Array<number | null>> {
    const results = await settleEach(holds, (hold) => {
      const id = hold.lease.conversationId;
      return this.redis.eval(
        ACQUIRE,
        4,
        leaseKey(id),
        fenceKey(id),
        queueKey(id),
        seenKey(id),
        hold.token,
        this.ttlMs,
        FENCE_TTL_MS,
        this.instance,
        STALE_WAITER_MS,
      );
    });
    const fences = results.map((result) => (result.status === 'rejected' ? null : Number(result.value)));
    const failed = fences.some((fence) => fence === null);
    if (failed !== this.redisDown) {
      this.redisDown = failed;
      if (failed) this.logger.warn('lease store unreachable: conversation leases granted by this process alone');
      else this.logger.info('lease store reachable again');
    }
    return fences;
  }

  private scheduleRenewal(): void {
    if (this.renewTimer || this.holds.size === 0) return;
    this.renewTimer = setInterval(() => void this.renew(), Math.max(50, Math.floor(this.ttlMs / 3)));
    this.renewTimer.unref();
  }

  /** Extends every fenced lease this process holds; one that is gone is left to its fence. */
  private async renew(): Promise<void> {
    const fenced = [...this.holds.values()].filter((hold) => hold.lease.fence !== null);
    if (fenced.length === 0) return;
    const results = await settleEach(fenced, (hold) =>
      this.redis.eval(RENEW, 1, leaseKey(hold.lease.conversationId), hold.token, this.ttlMs),
    );
    results.forEach((result, index) => {
      if (result.status === 'fulfilled' && Number(result.value) === 0) {
        this.logger.warn({ conversationId: fenced[index]?.lease.conversationId }, 'conversation lease lost while held');
      }
    });
  }

  private forget(hold: Hold): void {
    if (this.holds.get(hold.lease.conversationId) === hold) this.holds.delete(hold.lease.conversationId);
    hold.markReleased();
    if (this.holds.size === 0 && this.renewTimer) {
      clearInterval(this.renewTimer);
      this.renewTimer = null;
    }
  }
}

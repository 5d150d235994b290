import DataLoader from 'dataloader';
import type { UserId } from '../domain/ids';
import type { User, UserRepository } from '../domain/user/user.types';

export type UserLoader = DataLoader<UserId, User | null>;

/** How long the WS service's shared user cache trusts a user's profile. @default 30 s */
const SHARED_USER_CACHE_TTL_MS = 30_000;
/** Profiles the shared cache holds at most (oldest dropped first). @default 10,000 */
const SHARED_USER_CACHE_MAX = 10_000;

interface LoaderOptions {
  /** Called once per query the loader sends to the users collection (for metrics). */
  readonly onQuery?: () => void;
}

function batchLoad(users: UserRepository, options: LoaderOptions) {
  return async (ids: readonly UserId[]) => {
    options.onQuery?.();
    const found = new Map((await users.findByIds(ids)).map((user) => [user.id, user]));
    return ids.map((id) => found.get(id) ?? null);
  };
}

/**
 * One HTTP request's loader: batches every user lookup of a tick into a single `$in` query and
 * caches for the request's short life.
 */
export function createUserLoader(users: UserRepository, options: LoaderOptions = {}): UserLoader {
  return new DataLoader(batchLoad(users, options), { maxBatchSize: 500 });
}

/**
 * The WS service's loader, shared by every subscription of the process. graphql-ws keeps one
 * context per subscription for hours, so a per-context cache would go stale and a per-context
 * loader without cache costs one query per subscriber per event. Shared, one event delivered to
 * N subscribers costs at most one query, and none while the profiles are cached; a renamed user
 * shows the new name within {@link SHARED_USER_CACHE_TTL_MS}.
 */
export function createSharedUserLoader(
  users: UserRepository,
  options: LoaderOptions & { ttlMs?: number; now?: () => number } = {},
): UserLoader {
  return new DataLoader(batchLoad(users, options), {
    maxBatchSize: 500,
    cacheMap: new ExpiringCache(options.ttlMs ?? SHARED_USER_CACHE_TTL_MS, SHARED_USER_CACHE_MAX, options.now),
  });
}

/** A DataLoader cache whose entries expire after `ttlMs`, bounded to `maxEntries` (oldest first). */
export class ExpiringCache<K, V> {
  private readonly entries = new Map<K, { value: V; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt > this.now()) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  set(key: K, value: V): this {
    this.entries.delete(key); // re-insert at the end: the Map's order is the eviction order
    this.entries.set(key, { value, expiresAt: this.now() + this.ttlMs });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return this;
  }

  delete(key: K): boolean {
    return this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

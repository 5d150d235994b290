import type { User, UserRepository } from '../domain/user/user.types';
import { createSharedUserLoader } from '../edge/user.loader';

/**
 * The users the service layer reads on the send path (the target's existence, the profiles a
 * published message carries), through the process's shared expiring loader: concurrent lookups
 * share one query and a profile is trusted for 30 s. On FerretDB, which scans the users
 * collection for every lookup, this took a users query off most sends (bench/README.md). Only
 * found users are kept, so a user created right after a miss is seen at once.
 */
export function cachedDomainUsers(users: UserRepository, onQuery: () => void): UserRepository {
  const loader = createSharedUserLoader(users, { onQuery });
  const forgetMisses = (ids: readonly string[], found: ReadonlyArray<User | Error | null>) =>
    found.forEach((user, index) => {
      if (!user || user instanceof Error) loader.clear(ids[index] as User['id']);
    });
  const findByIds = async (ids: readonly User['id'][]): Promise<User[]> => {
    const found = await loader.loadMany(ids);
    forgetMisses(ids, found);
    const error = found.find((user): user is Error => user instanceof Error);
    if (error) throw error;
    return found.filter((user): user is User => user !== null);
  };
  return {
    findByIds,
    findById: async (id) => (await findByIds([id]))[0] ?? null,
    // A search always asks the store: its answers are not profiles by id, and it is rate-limited.
    searchByPrefix: (prefix, limit, excluding) => users.searchByPrefix(prefix, limit, excluding),
  };
}

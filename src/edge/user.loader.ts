import DataLoader from 'dataloader';
import type { UserId } from '../domain/ids';
import type { User, UserRepository } from '../domain/user/user.types';

export type UserLoader = DataLoader<UserId, User | null>;

/**
 * Batches every user lookup of one tick into a single `$in` query. `cache: false` is for
 * long-lived contexts (a graphql-ws subscription keeps its context for hours, and names change).
 */
export function createUserLoader(users: UserRepository, options: { cache: boolean }): UserLoader {
  return new DataLoader<UserId, User | null>(
    async (ids) => {
      const found = new Map((await users.findByIds(ids)).map((user) => [user.id, user]));
      return ids.map((id) => found.get(id) ?? null);
    },
    { cache: options.cache, maxBatchSize: 500 },
  );
}

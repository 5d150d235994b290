import type { UserId } from '../ids';

/** The read side of the main app's users. */
export interface User {
  readonly id: UserId;
  readonly name: string | null;
  readonly email: string | null;
}

export interface UserRepository {
  findById(id: UserId): Promise<User | null>;
  /** One query for all ids; the result is in no particular order and omits unknown ids. */
  findByIds(ids: readonly UserId[]): Promise<User[]>;
  /**
   * The people directory: users whose name or email starts with `prefix` (already lowercase),
   * ignoring case, ordered by name, at most `limit`, never `excluding`.
   */
  searchByPrefix(prefix: string, limit: number, excluding: UserId): Promise<User[]>;
}

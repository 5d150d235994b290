import { ChatError } from '../errors';
import type { UserId } from '../ids';
import { MAX_DIRECTORY_PAGE, MAX_DIRECTORY_QUERY_LENGTH } from '../limits';
import type { RateLimiter } from '../rate-limit';
import type { User, UserRepository } from './user.types';

export class UserService {
  constructor(
    private readonly users: UserRepository,
    private readonly rateLimiter: RateLimiter,
    /** Whom a user blocks: the directory leaves them out. */
    private readonly blockedBy: (userId: UserId) => Promise<readonly UserId[]> = async () => [],
  ) {}

  /** The caller's own profile; NOT_FOUND when the main app has no such user. */
  async me(userId: UserId): Promise<User> {
    const user = await this.users.findById(userId);
    if (!user) throw ChatError.notFound(`No user ${userId} exists`);
    return user;
  }

  /**
   * The people directory, for starting a conversation or adding members: users whose name or
   * email starts with `search`, ignoring case and surrounding spaces, by name; the caller is left
   * out, and so is everyone the caller blocks. Rate-limited like message search, in its own
   * bucket (a people picker asks as you type).
   */
  async directory(userId: UserId, search: unknown, first: unknown): Promise<User[]> {
    await this.rateLimiter.consume(userId, 'directory');
    if (typeof search !== 'string' || search.trim().length === 0)
      throw ChatError.badInput('search must not be empty', 'search');
    const prefix = search.trim().toLowerCase();
    if (prefix.length > MAX_DIRECTORY_QUERY_LENGTH)
      throw ChatError.badInput(`search must be at most ${MAX_DIRECTORY_QUERY_LENGTH} characters`, 'search');
    const count = first === undefined || first === null ? DEFAULT_DIRECTORY_PAGE : Number(first);
    if (!Number.isInteger(count) || count < 1 || count > MAX_DIRECTORY_PAGE)
      throw ChatError.badInput(`first must be an integer from 1 to ${MAX_DIRECTORY_PAGE}`, 'first');
    const blocked = new Set(await this.blockedBy(userId));
    const found = await this.users.searchByPrefix(prefix, count + blocked.size, userId);
    return found.filter((user) => !blocked.has(user.id)).slice(0, count);
  }
}

/** Directory page size when a request names none (DESIGN.md: `first: Int = 20`). */
const DEFAULT_DIRECTORY_PAGE = 20;

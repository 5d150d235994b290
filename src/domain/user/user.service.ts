import { ChatError } from '../errors';
import type { UserId } from '../ids';
import type { User, UserRepository } from './user.types';

export class UserService {
  constructor(private readonly users: UserRepository) {}

  /** The caller's own profile; NOT_FOUND when the main app has no such user. */
  async me(userId: UserId): Promise<User> {
    const user = await this.users.findById(userId);
    if (!user) throw ChatError.notFound(`No user ${userId} exists`);
    return user;
  }
}

import { Arg, Authorized, Ctx, Int, Query, Resolver } from 'type-graphql';
import type { UserId } from '../../domain/ids';
import type { User } from '../../domain/user/user.types';
import type { ChatContext } from '../context';
import { CurrentUser } from '../current-user';
import { UserObject } from './user.type';

@Resolver(() => UserObject)
export class UserResolver {
  @Authorized()
  @Query(() => UserObject, { description: 'The caller, from the token.' })
  me(@CurrentUser() caller: UserId, @Ctx() context: ChatContext): Promise<User> {
    return context.services.users.me(caller);
  }

  @Authorized()
  @Query(() => [UserObject], {
    description:
      'People directory, for starting a conversation or adding members: users whose name or email ' +
      'starts with `search` (case-insensitive), by name, without the caller. `first`: 1 to 50. ' +
      'Rate-limited like searchMessages.',
  })
  users(
    @Arg('search') search: string,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first: number | null,
    @CurrentUser() caller: UserId,
    @Ctx() context: ChatContext,
  ): Promise<User[]> {
    return context.services.users.directory(caller, search, first);
  }
}

import { Authorized, Ctx, Query, Resolver } from 'type-graphql';
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
}

import { Authorized, Ctx, Query, Resolver } from 'type-graphql';
import type { User } from '../../domain/user/user.types';
import { requireUser, type ChatContext } from '../context';
import { UserType } from './user.type';

@Resolver(() => UserType)
export class UserResolver {
  @Authorized()
  @Query(() => UserType, { description: 'The caller, from the token.' })
  me(@Ctx() context: ChatContext): Promise<User> {
    return context.services.users.me(requireUser(context));
  }
}

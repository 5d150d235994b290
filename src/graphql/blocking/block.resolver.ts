import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { UserId } from '../../domain/ids';
import type { User } from '../../domain/user/user.types';
import type { ChatContext } from '../context';
import { CurrentUser } from '../current-user';
import { UserObject } from '../user/user.type';

@Resolver()
export class BlockResolver {
  @Authorized()
  @Mutation(() => Boolean, {
    description:
      'Block a user: from the moment this returns, neither of us can send to the other in our ' +
      'DIRECT conversation (BLOCKED), they cannot start one with me, and no typing, presence or read ' +
      'receipts pass between us either way. In groups we both stay members (Message.senderBlocked). ' +
      'Idempotent.',
  })
  blockUser(
    @Arg('userId', () => ID) userId: string,
    @CurrentUser() caller: UserId,
    @Ctx() context: ChatContext,
  ): Promise<boolean> {
    return context.services.blocks.block(caller, userId);
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'Lift my block of a user (their block of me, if any, stays). Idempotent.' })
  unblockUser(
    @Arg('userId', () => ID) userId: string,
    @CurrentUser() caller: UserId,
    @Ctx() context: ChatContext,
  ): Promise<boolean> {
    return context.services.blocks.unblock(caller, userId);
  }

  @Authorized()
  @Query(() => [UserObject], { description: 'The users I block (those the main app still has).' })
  async blockedUsers(@CurrentUser() caller: UserId, @Ctx() context: ChatContext): Promise<User[]> {
    const users = await context.loaders.user.loadMany(await context.services.blocks.blockedUserIds(caller));
    return users.filter((user): user is User => user !== null && !(user instanceof Error));
  }
}

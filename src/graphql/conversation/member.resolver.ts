import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { Member } from '../../domain/conversation/group.service';
import type { User } from '../../domain/user/user.types';
import type { ChatContext } from '../context';
import { UserObject } from '../user/user.type';
import { MemberObject } from './conversation.type';

@Resolver(() => MemberObject)
export class MemberResolver {
  @FieldResolver(() => UserObject, { nullable: true })
  user(@Root() member: Member, @Ctx() context: ChatContext): Promise<User | null> {
    return context.loaders.user.load(member.userId);
  }
}

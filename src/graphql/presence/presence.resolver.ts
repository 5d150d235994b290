import {
  Arg,
  Args,
  Authorized,
  Ctx,
  Field,
  FieldResolver,
  ID,
  ObjectType,
  Query,
  registerEnumType,
  Resolver,
  Root,
  Subscription,
} from 'type-graphql';
import type { UserId } from '../../domain/ids';
import { MAX_PRESENCE_IDS } from '../../domain/limits';
import type { UserStatus } from '../../domain/live-updates.service';
import type { PresenceState } from '../../domain/presence/presence.types';
import type { User } from '../../domain/user/user.types';
import type { ChatContext } from '../context';
import { CurrentUser } from '../current-user';
import { UserStatusArgs } from '../filter.args';
import { openFeed } from '../subscription';
import { UserObject } from '../user/user.type';

export enum UserStatusTypeEnum {
  USER_ONLINE = 'USER_ONLINE',
  USER_OFFLINE = 'USER_OFFLINE',
}
registerEnumType(UserStatusTypeEnum, { name: 'UserStatusType' });

@ObjectType('UserStatusEvent')
export class UserStatusEventObject {
  @Field(() => UserStatusTypeEnum)
  type!: UserStatusTypeEnum;

  @Field(() => ID)
  userId!: string;

  @Field()
  timestamp!: Date;
}

@ObjectType('UserPresence')
export class UserPresenceObject {
  @Field(() => ID)
  userId!: string;

  @Field()
  online!: boolean;

  @Field(() => Date, {
    nullable: true,
    description: 'When the last connection closed; null while online or never seen.',
  })
  lastSeenAt!: Date | null;
}

@Resolver(() => UserPresenceObject)
export class PresenceResolver {
  @Authorized()
  @Query(() => [UserPresenceObject], {
    description: `Online state of up to ${MAX_PRESENCE_IDS} of my contacts; anyone else reads as never seen.`,
  })
  presence(
    @Arg('userIds', () => [ID]) userIds: string[],
    @CurrentUser() caller: UserId,
    @Ctx() context: ChatContext,
  ): Promise<PresenceState[]> {
    return context.services.presence.lookup(caller, userIds);
  }

  @FieldResolver(() => UserObject, { nullable: true })
  user(@Root() presence: PresenceState, @Ctx() context: ChatContext): Promise<User | null> {
    return context.loaders.user.load(presence.userId);
  }

  @Authorized()
  @Subscription(() => UserStatusEventObject, {
    description:
      'Online/offline transitions of users who share a conversation with me (or of these userIds among them).',
    subscribe: openFeed<UserStatusArgs>((services, userId, args) => services.live.userStatus(userId, args.userIds)),
  })
  userStatus(@Root() event: UserStatus, @Args() _filter: UserStatusArgs): UserStatus {
    return event;
  }
}

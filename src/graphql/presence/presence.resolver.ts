import {
  Arg,
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
import type { UserStatus } from '../../domain/live-updates.service';
import type { PresenceState } from '../../domain/presence/presence.types';
import type { User } from '../../domain/user/user.types';
import { requireUser, type ChatContext } from '../context';
import { openFeed } from '../subscription';
import { UserType } from '../user/user.type';

export enum UserStatusKind {
  USER_ONLINE = 'USER_ONLINE',
  USER_OFFLINE = 'USER_OFFLINE',
}
registerEnumType(UserStatusKind, { name: 'UserStatusType' });

@ObjectType('UserStatusEvent')
export class UserStatusEventType {
  @Field(() => UserStatusKind)
  type!: UserStatusKind;

  @Field(() => ID)
  userId!: string;

  @Field()
  timestamp!: Date;
}

@ObjectType('UserPresence')
export class UserPresenceType {
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

@Resolver(() => UserPresenceType)
export class PresenceResolver {
  @Authorized()
  @Query(() => [UserPresenceType], { description: 'Online state of up to 100 users.' })
  presence(@Arg('userIds', () => [ID]) userIds: string[], @Ctx() context: ChatContext): Promise<PresenceState[]> {
    requireUser(context);
    return context.services.presence.lookup(userIds);
  }

  @FieldResolver(() => UserType, { nullable: true })
  user(@Root() presence: PresenceState, @Ctx() context: ChatContext): Promise<User | null> {
    return context.loaders.user.load(presence.userId);
  }

  @Authorized()
  @Subscription(() => UserStatusEventType, {
    description:
      'Online/offline transitions of users who share a conversation with me (or of these userIds among them).',
    subscribe: openFeed<{ userIds?: string[] | null }>((services, userId, args) =>
      services.live.userStatus(userId, args.userIds),
    ),
  })
  userStatus(
    @Root() event: UserStatus,
    @Arg('userIds', () => [ID], { nullable: true }) _userIds?: string[],
  ): UserStatus {
    return event;
  }
}

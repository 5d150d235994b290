import { Arg, Authorized, Ctx, FieldResolver, Int, Query, Resolver, Root, Subscription } from 'type-graphql';
import { ChatError } from '../../domain/errors';
import type { UserId } from '../../domain/ids';
import { MAX_EVENT_PAGE } from '../../domain/limits';
import type { ChatMessage } from '../../domain/message/message.types';
import { userEventView } from '../../domain/timeline/user-event.view';
import type { UserEvent } from '../../domain/timeline/user-events.types';
import type { User } from '../../domain/user/user.types';
import type { ChatContext } from '../context';
import { callerOf, CurrentUser } from '../current-user';
import type { UserStatusTypeEnum } from '../presence/presence.resolver';
import { openFeed } from '../subscription';
import { UserObject } from '../user/user.type';
import { UserEventObject, UserEventPageObject } from './user-event.type';

type UserEventRoot = Omit<UserEventObject, 'message' | 'status'> & {
  message: ChatMessage | null;
  status: UserStatusTypeEnum | null;
};

/** A stream entry as the GraphQL type shows it (the same view REST shows). */
const present = (entry: UserEvent): UserEventRoot => {
  const view = userEventView(entry);
  return {
    ...view,
    userIds: [...view.userIds],
    messageIds: view.messageIds && [...view.messageIds],
    status: view.status as UserStatusTypeEnum | null,
  };
};

/** userEvents: one stream per user, replayed from one cursor, then live (DESIGN.md, "One stream per user"). */
@Resolver(() => UserObject)
export class UserEventsResolver {
  @Authorized()
  @Query(() => UserEventPageObject, {
    name: 'userEvents',
    description:
      'Everything I should know after `after` (a userEvents cursor), across all my conversations: one call ' +
      'however many conversations moved. Without `after`: no events, and the cursor of now. A cursor that is ' +
      'no longer kept answers RESYNC_REQUIRED.',
  })
  async userEventsPage(
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 100, description: `At most ${MAX_EVENT_PAGE}.` })
    first: number | null,
    @CurrentUser() caller: UserId,
    @Ctx() context: ChatContext,
  ) {
    const page = await context.services.userEvents.page(caller, after, first);
    return { nodes: page.events.map(present), endCursor: page.endCursor, hasMore: page.hasMore };
  }

  @Authorized()
  @Subscription(() => UserEventObject, {
    name: 'userEvents',
    description:
      'Everything I should know, in order, resumable with one cursor: with `after` it first replays what came ' +
      'later, then goes live, with no gap and no duplicate. Typing and presence ride it live only.',
    subscribe: openFeed<{ after?: string | null }>((services, userId, args) =>
      services.userEvents.stream(userId, args.after ?? null),
    ),
  })
  userEventsStream(
    @Root() entry: UserEvent,
    @Arg('after', () => String, { nullable: true }) _after: string | null,
  ): UserEventRoot {
    return present(entry);
  }

  @FieldResolver(() => String, {
    description:
      'Mine only (`me { eventCursor }`): where a client that just loaded starts userEvents. FORBIDDEN on anyone else.',
  })
  eventCursor(@Root() user: User, @Ctx() context: ChatContext): Promise<string> {
    const caller = callerOf(context);
    if (user.id !== caller) throw ChatError.forbidden('eventCursor is only on me');
    return context.services.userEvents.startCursor(caller);
  }
}

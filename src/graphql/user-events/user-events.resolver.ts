import { Arg, Authorized, Ctx, FieldResolver, Int, Query, Resolver, Root, Subscription } from 'type-graphql';
import { ChatError } from '../../domain/errors';
import type { UserId } from '../../domain/ids';
import { MAX_EVENT_PAGE } from '../../domain/limits';
import type { ChatMessage } from '../../domain/message/message.types';
import type { UserEvent } from '../../domain/timeline/user-events.types';
import type { User } from '../../domain/user/user.types';
import type { ChatContext } from '../context';
import { callerOf, CurrentUser } from '../current-user';
import type { UserStatusTypeEnum } from '../presence/presence.resolver';
import { openFeed } from '../subscription';
import { present as presentConversationEvent } from '../timeline/timeline.resolver';
import { UserObject } from '../user/user.type';
import { UserEventObject, UserEventPageObject } from './user-event.type';

type UserEventRoot = Omit<UserEventObject, 'message'> & { message: ChatMessage | null };

/** A stream entry as the GraphQL type shows it. */
function present(entry: UserEvent): UserEventRoot {
  const common = {
    cursor: entry.cursor,
    messageId: null,
    message: null,
    emoji: null,
    userIds: [],
    isTyping: null,
    readSeq: null,
    messageIds: null,
    scheduledMessageId: null,
    failureCode: null,
    failure: null,
  };
  if (entry.kind === 'timeline')
    return {
      ...presentConversationEvent(entry.event),
      cursor: entry.cursor,
      isTyping: null,
      status: null,
      readSeq: null,
      messageIds: null,
      scheduledMessageId: null,
      failureCode: null,
      failure: null,
    };
  if (entry.kind === 'journal') {
    const { entry: read } = entry;
    return {
      ...common,
      type: read.type,
      conversationId: read.conversationId,
      actorId: read.actorId,
      occurredAt: read.occurredAt,
      readSeq: read.readSeq,
      messageIds: read.type === 'MESSAGES_READ' ? [...read.messageIds] : null,
      userIds: [...read.userIds],
      messageId: read.messageId,
      scheduledMessageId: read.scheduledMessageId,
      failureCode: read.failure?.code ?? null,
      failure: read.failure?.message ?? null,
      status: null,
    };
  }
  const { event } = entry;
  if (event.type === 'MESSAGES_READ') {
    return {
      ...common,
      type: 'MESSAGES_READ',
      conversationId: event.conversationId,
      actorId: event.actorId,
      occurredAt: event.occurredAt,
      readSeq: event.readSeq,
      status: null,
    };
  }
  if (event.type === 'TYPING') {
    return {
      ...common,
      type: 'TYPING',
      conversationId: event.conversationId,
      actorId: event.actorId,
      occurredAt: new Date(),
      isTyping: event.isTyping,
      status: null,
    };
  }
  return {
    ...common,
    type: 'PRESENCE',
    conversationId: null,
    actorId: event.actorId,
    occurredAt: event.occurredAt,
    status: event.status as UserStatusTypeEnum,
  };
}

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

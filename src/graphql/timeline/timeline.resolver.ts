import { Arg, Args, Authorized, Ctx, ID, Int, Mutation, Query, Resolver, Subscription, Root } from 'type-graphql';
import type { UserId } from '../../domain/ids';
import { DEFAULT_PAGE_SIZE, MAX_EVENT_PAGE } from '../../domain/limits';
import type { ChatMessage } from '../../domain/message/message.types';
import { encodeEventCursor } from '../../domain/timeline/timeline.cursor';
import type { ConversationEvent } from '../../domain/timeline/timeline.types';
import type { ChatContext } from '../context';
import { CurrentUser } from '../current-user';
import { connectionOf } from '../message/message.connection';
import { MessageConnectionObject, MessageObject } from '../message/message.type';
import { openFeed } from '../subscription';
import { ConversationEventObject, ConversationEventPageObject, ConversationEventsArgs } from './timeline.type';

type EventRoot = Omit<ConversationEventObject, 'message'> & { message: ChatMessage | null };

/** A conversation event as the GraphQL type shows it. */
function present(event: ConversationEvent): EventRoot {
  return {
    cursor: encodeEventCursor(event.conversationId, event.position),
    conversationId: event.conversationId,
    type: event.type,
    actorId: event.actorId,
    occurredAt: event.occurredAt,
    messageId: event.messageId,
    message: event.message,
    emoji: event.emoji,
    userIds: [...event.userIds],
  };
}

/** What happens to a message after it is sent, and the event stream that carries it. */
@Resolver(() => ConversationEventObject)
export class TimelineResolver {
  @Authorized()
  @Mutation(() => MessageObject, {
    description: 'The sender edits their message; the earlier text is kept in `edits`. A deleted message cannot be.',
  })
  editMessage(
    @Arg('messageId', () => ID) messageId: string,
    @Arg('message') message: string,
    @CurrentUser() caller: UserId,
    @Ctx() context: ChatContext,
  ): Promise<ChatMessage> {
    return context.services.changes.edit(caller, messageId, message);
  }

  @Authorized()
  @Mutation(() => MessageObject, { description: 'One emoji or a :short_code:; adding it twice changes nothing.' })
  addReaction(
    @Arg('messageId', () => ID) messageId: string,
    @Arg('emoji') emoji: string,
    @CurrentUser() caller: UserId,
    @Ctx() context: ChatContext,
  ): Promise<ChatMessage> {
    return context.services.changes.addReaction(caller, messageId, emoji);
  }

  @Authorized()
  @Mutation(() => MessageObject, { description: 'Removing a reaction one has not given changes nothing.' })
  removeReaction(
    @Arg('messageId', () => ID) messageId: string,
    @Arg('emoji') emoji: string,
    @CurrentUser() caller: UserId,
    @Ctx() context: ChatContext,
  ): Promise<ChatMessage> {
    return context.services.changes.removeReaction(caller, messageId, emoji);
  }

  @Authorized()
  @Mutation(() => MessageObject, {
    description:
      'Pins a message (in a group: owner and admins, unless PIN_REQUIRES_ADMIN=off); at most 50 per conversation.',
  })
  pinMessage(
    @Arg('messageId', () => ID) messageId: string,
    @CurrentUser() caller: UserId,
    @Ctx() context: ChatContext,
  ): Promise<ChatMessage> {
    return context.services.changes.pin(caller, messageId);
  }

  @Authorized()
  @Mutation(() => MessageObject)
  unpinMessage(
    @Arg('messageId', () => ID) messageId: string,
    @CurrentUser() caller: UserId,
    @Ctx() context: ChatContext,
  ): Promise<ChatMessage> {
    return context.services.changes.unpin(caller, messageId);
  }

  @Authorized()
  @Query(() => MessageObject, {
    description: 'One message of my conversations (e.g. its edit history); a deleted one as its stub.',
  })
  message(
    @Arg('messageId', () => ID) messageId: string,
    @CurrentUser() caller: UserId,
    @Ctx() context: ChatContext,
  ): Promise<ChatMessage> {
    return context.services.messages.one(caller, messageId);
  }

  @Authorized()
  @Query(() => MessageConnectionObject, { description: 'Replies to a message, oldest first.' })
  async replies(
    @Arg('messageId', () => ID) messageId: string,
    @Arg('first', () => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @CurrentUser() caller: UserId,
    @Ctx() context: ChatContext,
  ) {
    return connectionOf(await context.services.messages.replies(caller, messageId, first, after));
  }

  @Authorized()
  @Query(() => ConversationEventPageObject, {
    name: 'conversationEvents',
    description:
      'Every event of a conversation after `after` (an event cursor; from the start without one), oldest first. ' +
      'A cursor older than the events kept (EVENT_RETENTION_DAYS) answers RESYNC_REQUIRED.',
  })
  async conversationEventsPage(
    @Arg('conversationId', () => ID) conversationId: string,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 100, description: `At most ${MAX_EVENT_PAGE}.` })
    first: number | null,
    @CurrentUser() caller: UserId,
    @Ctx() context: ChatContext,
  ) {
    const page = await context.services.timeline.page(caller, conversationId, after, first);
    return {
      conversationId: page.conversationId,
      nodes: page.events.map(present),
      endCursor: page.endCursor,
      hasNextPage: page.hasNextPage,
    };
  }

  @Authorized()
  @Subscription(() => ConversationEventObject, {
    description:
      'Events of one of my conversations (with `after`: every event after that cursor first, then live, no gap, ' +
      'no duplicate) or of all of them (live only).',
    subscribe: openFeed<ConversationEventsArgs>((services, userId, args) =>
      services.timeline.stream(userId, args.conversationId ?? null, args.after ?? null),
    ),
  })
  conversationEvents(@Root() event: ConversationEvent, @Args() _args: ConversationEventsArgs): EventRoot {
    return present(event);
  }
}

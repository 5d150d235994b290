import {
  Arg,
  Args,
  Authorized,
  Ctx,
  FieldResolver,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
} from 'type-graphql';
import type { MessagesRead } from '../../domain/conversation/conversation.service';
import type { ConversationView } from '../../domain/conversation/conversation.view';
import type { ChatEnded, ChatStarted } from '../../domain/live-updates.service';
import type { UserId } from '../../domain/ids';
import { DEFAULT_PAGE_SIZE } from '../../domain/limits';
import type { User } from '../../domain/user/user.types';
import type { ChatContext } from '../context';
import { CurrentUser } from '../current-user';
import { ConversationFilterArgs } from '../filter.args';
import { openFeed } from '../subscription';
import { UserObject } from '../user/user.type';
import {
  ChatEndedEventObject,
  ChatStartedEventObject,
  ConversationObject,
  MessagesReadEventObject,
} from './conversation.type';

type ConversationRoot = ConversationView;

@Resolver(() => ConversationObject)
export class ConversationResolver {
  @Authorized()
  @Query(() => [ConversationObject], { description: 'My conversations, newest activity first.' })
  conversations(
    @Arg('limit', () => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE }) limit: number | null,
    @CurrentUser() caller: UserId,
    @Ctx() context: ChatContext,
  ): Promise<ConversationRoot[]> {
    return context.services.conversations.list(caller, limit);
  }

  @Authorized()
  @Query(() => ConversationObject, {
    description: "One of my conversations by id (also one I hid). FORBIDDEN for anyone else's.",
  })
  conversation(
    @Arg('conversationId', () => ID) conversationId: string,
    @CurrentUser() caller: UserId,
    @Ctx() context: ChatContext,
  ): Promise<ConversationRoot> {
    return context.services.conversations.get(caller, conversationId);
  }

  @Authorized()
  @Query(() => Int, { description: 'Unread messages across my conversations.' })
  unreadCount(@CurrentUser() caller: UserId, @Ctx() context: ChatContext): Promise<number> {
    return context.services.conversations.unreadCount(caller);
  }

  @Authorized()
  @Mutation(() => ConversationObject, {
    description: 'Creates or reopens the conversation; the other user gets chatStarted.',
  })
  startChat(
    @Arg('targetUserId', () => ID) targetUserId: string,
    @CurrentUser({ acceptsSeedUserId: true }) caller: UserId,
    @Ctx() context: ChatContext,
  ): Promise<ConversationRoot> {
    return context.services.conversations.start(caller, targetUserId);
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'Ends the chat session; both users get chatEnded. History is kept.' })
  endChat(
    @Arg('targetUserId', () => ID) targetUserId: string,
    @CurrentUser({ acceptsSeedUserId: true }) caller: UserId,
    @Ctx() context: ChatContext,
  ): Promise<boolean> {
    return context.services.conversations.end(caller, targetUserId);
  }

  @Authorized()
  @Mutation(() => Boolean, {
    description: 'Hides the conversation and its history for me only; a new message brings it back.',
  })
  deleteConversation(
    @Arg('targetUserId', () => ID) targetUserId: string,
    @CurrentUser() caller: UserId,
    @Ctx() context: ChatContext,
  ): Promise<boolean> {
    return context.services.conversations.hide(caller, targetUserId);
  }

  @Authorized()
  @Mutation(() => MessagesReadEventObject, {
    description: 'Marks these (or all) received messages read; the sender gets messagesRead.',
  })
  markAsRead(
    @Arg('conversationId', () => ID) conversationId: string,
    @Arg('messageIds', () => [ID], { nullable: true }) messageIds: string[] | null,
    @CurrentUser() caller: UserId,
    @Ctx() context: ChatContext,
  ): Promise<MessagesRead> {
    return context.services.conversations.markAsRead(caller, conversationId, messageIds);
  }

  @Authorized()
  @Mutation(() => Int, { description: 'Marks everything from targetUserId read; returns how many messages changed.' })
  markConversationRead(
    @Arg('targetUserId', () => ID) targetUserId: string,
    @CurrentUser() caller: UserId,
    @Ctx() context: ChatContext,
  ): Promise<number> {
    return context.services.conversations.markConversationRead(caller, targetUserId);
  }

  @FieldResolver(() => String, { nullable: true })
  lastMessage(@Root() conversation: ConversationRoot): string | null {
    return conversation.lastMessage?.message ?? null;
  }

  @FieldResolver(() => UserObject, { nullable: true, description: 'Null when the main app no longer has this user.' })
  otherUser(@Root() conversation: ConversationRoot, @Ctx() context: ChatContext): Promise<User | null> {
    return context.loaders.user.load(conversation.otherUserId);
  }

  @Authorized()
  @Subscription(() => MessagesReadEventObject, {
    description: 'Read receipts: when my messages are read, and when I read on another device.',
    subscribe: openFeed<ConversationFilterArgs>((services, userId, args) =>
      services.live.messagesRead(userId, args.conversationId),
    ),
  })
  messagesRead(@Root() event: MessagesRead, @Args() _filter: ConversationFilterArgs): MessagesRead {
    return event;
  }

  @Authorized()
  @Subscription(() => ChatStartedEventObject, {
    description: 'Someone started (or reopened) a chat with me.',
    subscribe: openFeed((services, userId) => services.live.chatStarted(userId)),
  })
  chatStarted(@Root() event: ChatStarted): ChatStarted {
    return event;
  }

  @Authorized()
  @Subscription(() => ChatEndedEventObject, {
    description: 'A chat of mine was ended (by me on another device, or by the other user).',
    subscribe: openFeed((services, userId) => services.live.chatEnded(userId)),
  })
  chatEnded(@Root() event: ChatEnded): ChatEnded {
    return event;
  }
}

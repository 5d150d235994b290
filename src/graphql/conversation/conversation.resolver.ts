import {
  Arg,
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
import { assertClaimedIdentity } from '../../domain/identity';
import type { User } from '../../domain/user/user.types';
import { requireUser, type ChatContext } from '../context';
import { openFeed } from '../subscription';
import { UserType } from '../user/user.type';
import { ChatEndedEventType, ChatStartedEventType, ConversationType, MessagesReadEventType } from './conversation.type';

type ConversationRoot = ConversationView;

@Resolver(() => ConversationType)
export class ConversationResolver {
  @Authorized()
  @Query(() => [ConversationType], { description: 'My conversations, newest activity first.' })
  conversations(
    @Arg('limit', () => Int, { nullable: true, defaultValue: 50 }) limit: number | null,
    @Ctx() context: ChatContext,
  ): Promise<ConversationRoot[]> {
    return context.services.conversations.list(requireUser(context), limit);
  }

  @Authorized()
  @Query(() => Int, { description: 'Unread messages across my conversations.' })
  unreadCount(@Ctx() context: ChatContext): Promise<number> {
    return context.services.conversations.unreadCount(requireUser(context));
  }

  @Authorized()
  @Mutation(() => ConversationType, {
    description: 'Creates or reopens the conversation; the other user gets chatStarted.',
  })
  startChat(
    @Arg('targetUserId', () => ID) targetUserId: string,
    @Arg('userId', () => ID, { nullable: true, description: 'Deprecated (seed payloads); must match the token.' })
    userId: string | null,
    @Ctx() context: ChatContext,
  ): Promise<ConversationRoot> {
    assertClaimedIdentity(requireUser(context), userId);
    return context.services.conversations.start(requireUser(context), targetUserId);
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'Ends the chat session; both users get chatEnded. History is kept.' })
  endChat(
    @Arg('targetUserId', () => ID) targetUserId: string,
    @Arg('userId', () => ID, { nullable: true, description: 'Deprecated (seed payloads); must match the token.' })
    userId: string | null,
    @Ctx() context: ChatContext,
  ): Promise<boolean> {
    assertClaimedIdentity(requireUser(context), userId);
    return context.services.conversations.end(requireUser(context), targetUserId);
  }

  @Authorized()
  @Mutation(() => Boolean, {
    description: 'Hides the conversation and its history for me only; a new message brings it back.',
  })
  deleteConversation(
    @Arg('targetUserId', () => ID) targetUserId: string,
    @Ctx() context: ChatContext,
  ): Promise<boolean> {
    return context.services.conversations.hide(requireUser(context), targetUserId);
  }

  @Authorized()
  @Mutation(() => MessagesReadEventType, {
    description: 'Marks these (or all) received messages read; the sender gets messagesRead.',
  })
  markAsRead(
    @Arg('conversationId', () => ID) conversationId: string,
    @Arg('messageIds', () => [ID], { nullable: true }) messageIds: string[] | null,
    @Ctx() context: ChatContext,
  ): Promise<MessagesRead> {
    return context.services.conversations.markAsRead(requireUser(context), conversationId, messageIds);
  }

  @Authorized()
  @Mutation(() => Int, { description: 'Marks everything from targetUserId read; returns how many messages changed.' })
  markConversationRead(
    @Arg('targetUserId', () => ID) targetUserId: string,
    @Ctx() context: ChatContext,
  ): Promise<number> {
    return context.services.conversations.markConversationRead(requireUser(context), targetUserId);
  }

  @FieldResolver(() => String, { nullable: true })
  lastMessage(@Root() conversation: ConversationRoot): string | null {
    return conversation.lastMessage?.message ?? null;
  }

  @FieldResolver(() => UserType, { nullable: true, description: 'Null when the main app no longer has this user.' })
  otherUser(@Root() conversation: ConversationRoot, @Ctx() context: ChatContext): Promise<User | null> {
    return context.loaders.user.load(conversation.otherUserId);
  }

  @Authorized()
  @Subscription(() => MessagesReadEventType, {
    description: 'Read receipts: when my messages are read, and when I read on another device.',
    subscribe: openFeed<{ conversationId?: string | null }>((services, userId, args) =>
      services.live.messagesRead(userId, args.conversationId),
    ),
  })
  messagesRead(
    @Root() event: MessagesRead,
    @Arg('conversationId', () => ID, { nullable: true }) _conversationId?: string,
  ): MessagesRead {
    return event;
  }

  @Authorized()
  @Subscription(() => ChatStartedEventType, {
    description: 'Someone started (or reopened) a chat with me.',
    subscribe: openFeed((services, userId) => services.live.chatStarted(userId)),
  })
  chatStarted(@Root() event: ChatStarted): ChatStarted {
    return event;
  }

  @Authorized()
  @Subscription(() => ChatEndedEventType, {
    description: 'A chat of mine was ended (by me on another device, or by the other user).',
    subscribe: openFeed((services, userId) => services.live.chatEnded(userId)),
  })
  chatEnded(@Root() event: ChatEnded): ChatEnded {
    return event;
  }
}

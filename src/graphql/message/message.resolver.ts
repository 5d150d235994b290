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
import { assertClaimedIdentity } from '../../domain/identity';
import type { MessageDeleted } from '../../domain/live-updates.service';
import { encodeCursor } from '../../domain/message/message.cursor';
import type { ChatMessage } from '../../domain/message/message.types';
import type { User } from '../../domain/user/user.types';
import { requireUser, type ChatContext } from '../context';
import { openFeed } from '../subscription';
import { UserType } from '../user/user.type';
import {
  MessageConnectionType,
  MessageDeletedEventType,
  MessagePageType,
  MessageType,
  SendMessageInput,
} from './message.type';

interface NewMessageArgs {
  targetUserId?: string | null;
  after?: string | null;
}

const cursorOf = (message: ChatMessage) => encodeCursor(message.conversationId, message.seq);

@Resolver(() => MessageType)
export class MessageResolver {
  @Authorized()
  @Mutation(() => MessageType, {
    description: "Stores and delivers a message. The result is the sender's confirmation (the seed's message_sent).",
  })
  sendMessage(
    @Arg('input', () => SendMessageInput) input: SendMessageInput,
    @Ctx() context: ChatContext,
  ): Promise<ChatMessage> {
    assertClaimedIdentity(requireUser(context), input.userId);
    return context.services.messages.send(requireUser(context), input);
  }

  @Authorized()
  @Query(() => MessagePageType, { description: 'Page-numbered history with targetUserId, newest first.' })
  async chatHistory(
    @Arg('targetUserId', () => ID) targetUserId: string,
    @Arg('limit', () => Int, { nullable: true, defaultValue: 50 }) limit: number | null,
    @Arg('page', () => Int, { nullable: true, defaultValue: 1 }) page: number | null,
    @Ctx() context: ChatContext,
  ): Promise<Omit<MessagePageType, 'messages'> & { messages: readonly ChatMessage[] }> {
    const result = await context.services.messages.history(requireUser(context), targetUserId, limit, page);
    const { conversationId, messages, ...pagination } = result;
    return { conversationId, messages, pagination };
  }

  @Authorized()
  @Query(() => MessageConnectionType, {
    description:
      'Cursor paging on seq, oldest first: the newest `first` by default, older with `before`, newer with `after` (resync).',
  })
  async messages(
    @Arg('targetUserId', () => ID) targetUserId: string,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number | null,
    @Arg('before', () => String, { nullable: true }) before: string | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() context: ChatContext,
  ) {
    const slice = await context.services.messages.slice(requireUser(context), targetUserId, first, before, after);
    const edges = slice.messages.map((node) => ({ cursor: cursorOf(node), node }));
    return {
      nodes: slice.messages,
      edges,
      pageInfo: {
        hasNextPage: slice.hasNextPage,
        hasPreviousPage: slice.hasPreviousPage,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
    };
  }

  @Authorized()
  @Query(() => [MessageType], { description: 'Literal, case-insensitive search in my conversations, newest first.' })
  searchMessages(
    @Arg('query') query: string,
    @Arg('targetUserId', () => ID, { nullable: true }) targetUserId: string | null,
    @Arg('limit', () => Int, { nullable: true, defaultValue: 50 }) limit: number | null,
    @Ctx() context: ChatContext,
  ): Promise<ChatMessage[]> {
    return context.services.messages.search(requireUser(context), query, targetUserId, limit);
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'Soft-deletes my own message; both sides get messageDeleted.' })
  deleteMessage(@Arg('messageId', () => ID) messageId: string, @Ctx() context: ChatContext): Promise<boolean> {
    return context.services.messages.delete(requireUser(context), messageId);
  }

  @Authorized()
  @Subscription(() => MessageType, {
    description:
      'Every new message in my conversations, or in the one with targetUserId. With `after` (a cursor of that ' +
      'conversation) it first replays what came later, then goes live: no gap, no duplicate.',
    subscribe: openFeed<NewMessageArgs>((services, userId, args) =>
      services.messages.stream(userId, args.targetUserId ?? null, args.after ?? null),
    ),
  })
  newMessage(
    @Root() message: ChatMessage,
    @Arg('targetUserId', () => ID, { nullable: true }) _targetUserId?: string,
    @Arg('after', () => String, { nullable: true }) _after?: string,
  ): ChatMessage {
    return message;
  }

  @Authorized()
  @Subscription(() => MessageDeletedEventType, {
    description: 'Messages deleted in my conversations (or in one).',
    subscribe: openFeed<{ conversationId?: string | null }>((services, userId, args) =>
      services.live.messageDeleted(userId, args.conversationId),
    ),
  })
  messageDeleted(
    @Root() event: MessageDeleted,
    @Arg('conversationId', () => ID, { nullable: true }) _conversationId?: string,
  ): MessageDeleted {
    return event;
  }

  @FieldResolver(() => String)
  cursor(@Root() message: ChatMessage): string {
    return cursorOf(message);
  }

  @FieldResolver(() => UserType, { nullable: true, description: 'Null when the main app no longer has this user.' })
  sender(@Root() message: ChatMessage, @Ctx() context: ChatContext): Promise<User | null> {
    return context.loaders.user.load(message.senderId);
  }

  @FieldResolver(() => UserType, { nullable: true, description: 'Null when the main app no longer has this user.' })
  receiver(@Root() message: ChatMessage, @Ctx() context: ChatContext): Promise<User | null> {
    return context.loaders.user.load(message.receiverId);
  }
}

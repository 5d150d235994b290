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
import { encodeCursor } from '../../domain/message/message.cursor';
import type { ChatMessage } from '../../domain/message/message.types';
import type { User } from '../../domain/user/user.types';
import { requireUser, type ChatContext } from '../context';
import { UserType } from '../user/user.type';
import { MessagePageType, MessageType, SendMessageInput } from './message.type';

interface NewMessageArgs {
  targetUserId?: string | null;
  after?: string | null;
}

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
  @Subscription(() => MessageType, {
    description:
      'Every new message in my conversations, or in the one with targetUserId. With `after` (a cursor of that ' +
      'conversation) it first replays what came later, then goes live: no gap, no duplicate.',
    subscribe: ({ args, context }) => {
      const { targetUserId, after } = args as NewMessageArgs;
      const ctx = context as ChatContext;
      return ctx.services.messages.stream(requireUser(ctx), targetUserId ?? null, after ?? null);
    },
  })
  newMessage(
    @Root() message: ChatMessage,
    @Arg('targetUserId', () => ID, { nullable: true }) _targetUserId?: string,
    @Arg('after', () => String, { nullable: true }) _after?: string,
  ): ChatMessage {
    return message;
  }

  @FieldResolver(() => String)
  cursor(@Root() message: ChatMessage): string {
    return encodeCursor(message.conversationId, message.seq);
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

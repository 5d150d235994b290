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
import type { UserId } from '../../domain/ids';
import { assertClaimedIdentity } from '../../domain/identity';
import { DEFAULT_PAGE_SIZE } from '../../domain/limits';
import type { MessageDeleted } from '../../domain/live-updates.service';
import { encodeCursor } from '../../domain/message/message.cursor';
import type { ChatMessage, LiveMessage } from '../../domain/message/message.types';
import type { User } from '../../domain/user/user.types';
import type { ChatContext } from '../context';
import { CurrentUser } from '../current-user';
import { ConversationFilterArgs, NewMessageArgs } from '../filter.args';
import { openFeed } from '../subscription';
import { UserObject } from '../user/user.type';
import {
  MessageConnectionObject,
  MessageDeletedEventObject,
  MessagePageObject,
  MessageObject,
  SendMessageInput,
} from './message.type';

const cursorOf = (message: ChatMessage) => encodeCursor(message.conversationId, message.seq);

@Resolver(() => MessageObject)
export class MessageResolver {
  @Authorized()
  @Mutation(() => MessageObject, {
    description: "Stores and delivers a message. The result is the sender's confirmation (the seed's message_sent).",
  })
  sendMessage(
    @Arg('input', () => SendMessageInput) input: SendMessageInput,
    @CurrentUser() caller: UserId,
    @Ctx() context: ChatContext,
  ): Promise<ChatMessage> {
    assertClaimedIdentity(caller, input.userId);
    return context.services.messages.send(caller, input);
  }

  @Authorized()
  @Query(() => MessagePageObject, { description: 'Page-numbered history with targetUserId, newest first.' })
  async chatHistory(
    @Arg('targetUserId', () => ID) targetUserId: string,
    @Arg('limit', () => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE }) limit: number | null,
    @Arg('page', () => Int, { nullable: true, defaultValue: 1 }) page: number | null,
    @CurrentUser() caller: UserId,
    @Ctx() context: ChatContext,
  ): Promise<Omit<MessagePageObject, 'messages'> & { messages: readonly ChatMessage[] }> {
    const result = await context.services.messages.history(caller, targetUserId, limit, page);
    const { conversationId, messages, ...pagination } = result;
    return { conversationId, messages, pagination };
  }

  @Authorized()
  @Query(() => MessageConnectionObject, {
    description:
      'Cursor paging on seq, oldest first: the newest `first` by default, older with `before`, newer with `after` (resync).',
  })
  async messages(
    @Arg('targetUserId', () => ID) targetUserId: string,
    @Arg('first', () => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE }) first: number | null,
    @Arg('before', () => String, { nullable: true }) before: string | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @CurrentUser() caller: UserId,
    @Ctx() context: ChatContext,
  ) {
    const slice = await context.services.messages.slice(caller, targetUserId, first, before, after);
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
  @Query(() => [MessageObject], { description: 'Literal, case-insensitive search in my conversations, newest first.' })
  searchMessages(
    @Arg('query') query: string,
    @Arg('targetUserId', () => ID, { nullable: true }) targetUserId: string | null,
    @Arg('limit', () => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE }) limit: number | null,
    @CurrentUser() caller: UserId,
    @Ctx() context: ChatContext,
  ): Promise<ChatMessage[]> {
    return context.services.messages.search(caller, query, targetUserId, limit);
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'Soft-deletes my own message; both sides get messageDeleted.' })
  deleteMessage(
    @Arg('messageId', () => ID) messageId: string,
    @CurrentUser() caller: UserId,
    @Ctx() context: ChatContext,
  ): Promise<boolean> {
    return context.services.messages.delete(caller, messageId);
  }

  @Authorized()
  @Subscription(() => MessageObject, {
    description:
      'Every new message in my conversations, or in the one with targetUserId. With `after` (a cursor of that ' +
      'conversation) it first replays what came later, then goes live: no gap, no duplicate.',
    subscribe: openFeed<NewMessageArgs>((services, userId, args) =>
      services.messages.stream(userId, args.targetUserId ?? null, args.after ?? null),
    ),
  })
  newMessage(@Root() message: ChatMessage, @Args() _filter: NewMessageArgs): ChatMessage {
    return message;
  }

  @Authorized()
  @Subscription(() => MessageDeletedEventObject, {
    description: 'Messages deleted in my conversations (or in one).',
    subscribe: openFeed<ConversationFilterArgs>((services, userId, args) =>
      services.live.messageDeleted(userId, args.conversationId),
    ),
  })
  messageDeleted(@Root() event: MessageDeleted, @Args() _filter: ConversationFilterArgs): MessageDeleted {
    return event;
  }

  @FieldResolver(() => String)
  cursor(@Root() message: ChatMessage): string {
    return cursorOf(message);
  }

  @FieldResolver(() => Int, {
    description:
      'Other members whose read position covers this message. In a DIRECT conversation that is the receiver: 1 once read, else 0.',
  })
  readByCount(@Root() message: ChatMessage): number {
    return message.isRead ? 1 : 0;
  }

  @FieldResolver(() => UserObject, { nullable: true, description: 'Null when the main app no longer has this user.' })
  sender(@Root() message: LiveMessage, @Ctx() context: ChatContext): Promise<User | null> {
    // A live message carries the profile (no query per subscriber); others go through the loader.
    return message.people ? Promise.resolve(message.people.sender) : context.loaders.user.load(message.senderId);
  }

  @FieldResolver(() => UserObject, { nullable: true, description: 'Null when the main app no longer has this user.' })
  receiver(@Root() message: LiveMessage, @Ctx() context: ChatContext): Promise<User | null> {
    return message.people ? Promise.resolve(message.people.receiver) : context.loaders.user.load(message.receiverId);
  }
}

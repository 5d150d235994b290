import { attachmentPath } from '../../domain/attachment/attachment.rules';
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
import { DEFAULT_PAGE_SIZE, GROUP_LIVE_SIGNALS_MAX_MEMBERS } from '../../domain/limits';
import type { MessageDeleted } from '../../domain/live-updates.service';
import type { ChatMessage, LiveMessage, MessageEdit } from '../../domain/message/message.types';
import type { User } from '../../domain/user/user.types';
import type { ChatContext } from '../context';
import { callerOf, CurrentUser } from '../current-user';
import { connectionOf, cursorOf } from './message.connection';
import { ConversationFilterArgs, NewMessageArgs, TargetUserFilterArgs } from '../filter.args';
import { openFeed } from '../subscription';
import { UserObject } from '../user/user.type';
import {
  AttachmentObject,
  MessageConnectionObject,
  MessageDeletedEventObject,
  MessagePageObject,
  MessageEditObject,
  MessageObject,
  ReactionGroupObject,
  SendMessageInput,
} from './message.type';

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
    @Args() target: TargetUserFilterArgs,
    @Arg('limit', () => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE }) limit: number | null,
    @Arg('page', () => Int, { nullable: true, defaultValue: 1 }) page: number | null,
    @CurrentUser() caller: UserId,
    @Ctx() context: ChatContext,
  ): Promise<Omit<MessagePageObject, 'messages'> & { messages: readonly ChatMessage[] }> {
    const result = await context.services.messages.history(caller, target, limit, page);
    const { conversationId, messages, ...pagination } = result;
    return { conversationId, messages, pagination };
  }

  @Authorized()
  @Query(() => MessageConnectionObject, {
    description:
      'Cursor paging on seq, oldest first: the newest `first` by default, older with `before`, newer with `after` (resync).',
  })
  async messages(
    @Args() target: TargetUserFilterArgs,
    @Arg('first', () => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE }) first: number | null,
    @Arg('before', () => String, { nullable: true }) before: string | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @CurrentUser() caller: UserId,
    @Ctx() context: ChatContext,
  ) {
    return connectionOf(await context.services.messages.slice(caller, target, first, before, after));
  }

  @Authorized()
  @Query(() => [MessageObject], { description: 'Literal, case-insensitive search in my conversations, newest first.' })
  searchMessages(
    @Arg('query') query: string,
    @Args() target: TargetUserFilterArgs,
    @Arg('limit', () => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE }) limit: number | null,
    @CurrentUser() caller: UserId,
    @Ctx() context: ChatContext,
  ): Promise<ChatMessage[]> {
    return context.services.messages.search(caller, query, target, limit);
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'Soft-deletes my own message; both sides get messageDeleted.' })
  deleteMessage(
    @Arg('messageId', () => ID) messageId: string,
    @CurrentUser() caller: UserId,
    @Ctx() context: ChatContext,
  ): Promise<boolean> {
    return context.services.changes.delete(caller, messageId);
  }

  @Authorized()
  @Subscription(() => MessageObject, {
    description:
      'Every new message in my conversations, or in the one with targetUserId. With `after` (a cursor of that ' +
      'conversation) it first replays what came later, then goes live: no gap, no duplicate.',
    subscribe: openFeed<NewMessageArgs>((services, userId, args) =>
      services.messages.stream(userId, args, args.after ?? null),
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
    nullable: true,
    description:
      'Other members whose read position covers this message. DIRECT: the receiver, 1 once read, else 0. ' +
      `Null in a group whose receipts are off (over ${GROUP_LIVE_SIGNALS_MAX_MEMBERS} members; Conversation.receiptsEnabled).`,
  })
  async readByCount(@Root() message: ChatMessage, @Ctx() context: ChatContext): Promise<number | null> {
    if (message.receiverId !== null) return message.isRead ? 1 : 0;
    const readers = await this.readers(message, context);
    return readers === null ? null : readers.length;
  }

  @FieldResolver(() => [UserObject], {
    nullable: true,
    description: 'Who has read it (the other members whose read position covers it); null where readByCount is.',
  })
  async readBy(@Root() message: ChatMessage, @Ctx() context: ChatContext): Promise<Array<User | null> | null> {
    const readers =
      message.receiverId !== null ? (message.isRead ? [message.receiverId] : []) : await this.readers(message, context);
    if (readers === null) return null;
    return (await context.loaders.user.loadMany(readers)).filter(
      (user): user is User => !(user instanceof Error) && user !== null,
    );
  }

  /** The other members of a group who have read the message (null when the group has receipts off). */
  private async readers(message: ChatMessage, context: ChatContext): Promise<UserId[] | null> {
    if (message.messageType === 'system') return [];
    const marks = await context.loaders.receipts.load(message.conversationId);
    if (!marks) return null;
    return marks.members
      .filter(
        (member) =>
          member.userId !== message.senderId && member.joinedSeq < message.seq && member.read.seq >= message.seq,
      )
      .map((member) => member.userId);
  }

  @FieldResolver(() => [AttachmentObject], { description: 'Files it carries, in the order sent.' })
  attachments(@Root() message: ChatMessage): AttachmentObject[] {
    return message.attachments.map((attachment) => ({ ...attachment, url: attachmentPath(attachment.id) }));
  }

  @FieldResolver(() => Boolean, {
    description: 'I block its sender: a client may hide it (in a group both of us stay members).',
  })
  async senderBlocked(
    @Root() message: ChatMessage,
    @CurrentUser() caller: UserId,
    @Ctx() context: ChatContext,
  ): Promise<boolean> {
    if (message.senderId === caller) return false;
    return (await context.loaders.blockedUsers.load(caller)).has(message.senderId);
  }

  @FieldResolver(() => [MessageEditObject], { description: 'Earlier versions, oldest first.' })
  async edits(@Root() message: LiveMessage, @Ctx() context: ChatContext): Promise<readonly MessageEdit[]> {
    if (!message.editsOmitted) return message.edits;
    const stored = await context.loaders.message.load({ conversationId: message.conversationId, id: message.id });
    return stored?.edits ?? [];
  }

  @FieldResolver(() => [ReactionGroupObject], { description: 'Emoji on it, in the order each was first given.' })
  reactions(@Root() message: ChatMessage, @Ctx() context: ChatContext): ReactionGroupObject[] {
    if (message.reactions.length === 0) return [];
    // Who is asking is read only when there is something to compare: an event of a message with no
    // reactions is then the same for every viewer, and executed once for all (ws/shared-execution.ts).
    const caller = callerOf(context);
    return message.reactions.map((reaction) => ({
      emoji: reaction.emoji,
      count: reaction.userIds.length,
      viewerHasReacted: reaction.userIds.includes(caller),
      userIds: [...reaction.userIds],
    }));
  }

  @FieldResolver(() => MessageObject, {
    nullable: true,
    description: 'The message this one replies to; once deleted, a stub with empty text and deletedAt set.',
  })
  replyTo(@Root() message: ChatMessage, @Ctx() context: ChatContext): Promise<ChatMessage | null> {
    if (message.replyToId === null) return Promise.resolve(null);
    return context.loaders.message.load({ conversationId: message.conversationId, id: message.replyToId });
  }

  @FieldResolver(() => Int, { description: 'Replies to it that are not deleted (see replies).' })
  replyCount(@Root() message: ChatMessage, @Ctx() context: ChatContext): Promise<number> {
    return context.loaders.replyCount.load({ conversationId: message.conversationId, id: message.id });
  }

  @FieldResolver(() => [ID], { description: 'Who it mentions.' })
  mentionedUserIds(@Root() message: ChatMessage): readonly string[] {
    return message.mentions;
  }

  @FieldResolver(() => [UserObject], { description: 'Who it mentions (users the main app still has).' })
  async mentions(@Root() message: ChatMessage, @Ctx() context: ChatContext): Promise<User[]> {
    if (message.mentions.length === 0) return [];
    return (await context.loaders.user.loadMany(message.mentions)).filter(
      (user): user is User => !(user instanceof Error) && user !== null,
    );
  }

  @FieldResolver(() => UserObject, { nullable: true, description: 'Null when the main app no longer has this user.' })
  sender(@Root() message: LiveMessage, @Ctx() context: ChatContext): Promise<User | null> {
    // A live message carries the profile (no query per subscriber); others go through the loader.
    return message.people ? Promise.resolve(message.people.sender) : context.loaders.user.load(message.senderId);
  }

  @FieldResolver(() => UserObject, { nullable: true, description: 'Null when the main app no longer has this user.' })
  receiver(@Root() message: LiveMessage, @Ctx() context: ChatContext): Promise<User | null> {
    if (message.receiverId === null) return Promise.resolve(null);
    return message.people ? Promise.resolve(message.people.receiver) : context.loaders.user.load(message.receiverId);
  }
}

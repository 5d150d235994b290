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
import type { MemberRole } from '../../domain/conversation/conversation.types';
import type { Member } from '../../domain/conversation/group.service';
import type { ChatEnded, ChatStarted, ConversationUpdated } from '../../domain/live-updates.service';
import { GROUP_LIVE_SIGNALS_MAX_MEMBERS } from '../../domain/limits';
import type { UserId } from '../../domain/ids';
import { DEFAULT_PAGE_SIZE } from '../../domain/limits';
import type { User } from '../../domain/user/user.types';
import type { ChatMessage } from '../../domain/message/message.types';
import { TimelineService } from '../../domain/timeline/timeline.service';
import { MessageObject } from '../message/message.type';
import type { ChatContext } from '../context';
import { CurrentUser } from '../current-user';
import { ConversationFilterArgs, TargetUserFilterArgs } from '../filter.args';
import { openFeed } from '../subscription';
import { UserObject } from '../user/user.type';
import {
  ChatEndedEventObject,
  ChatStartedEventObject,
  ConversationObject,
  ConversationUpdatedEventObject,
  CreateGroupInput,
  MemberConnectionObject,
  MemberRoleEnum,
  MessagesReadEventObject,
} from './conversation.type';

type ConversationRoot = ConversationView;

@Resolver(() => ConversationObject)
export class ConversationResolver {
  @Authorized()
  @Query(() => [ConversationObject], { description: 'My conversations, newest activity first.' })
  conversations(
    @Arg('limit', () => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE }) limit: number | null,
    @Arg('hideBlocked', {
      nullable: true,
      defaultValue: false,
      description: 'Leave out conversations with people I block.',
    })
    hideBlocked: boolean,
    @CurrentUser() caller: UserId,
    @Ctx() context: ChatContext,
  ): Promise<ConversationRoot[]> {
    return context.services.conversations.list(caller, limit, { hideBlocked });
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
    @Args() target: TargetUserFilterArgs,
    @CurrentUser({ acceptsSeedUserId: true }) caller: UserId,
    @Ctx() context: ChatContext,
  ): Promise<ConversationRoot> {
    return context.services.conversations.start(caller, target);
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'Ends the chat session; both users get chatEnded. History is kept.' })
  endChat(
    @Args() target: TargetUserFilterArgs,
    @CurrentUser({ acceptsSeedUserId: true }) caller: UserId,
    @Ctx() context: ChatContext,
  ): Promise<boolean> {
    return context.services.conversations.end(caller, target);
  }

  @Authorized()
  @Mutation(() => Boolean, {
    description: 'Hides the conversation and its history for me only; a new message brings it back.',
  })
  deleteConversation(
    @Args() target: TargetUserFilterArgs,
    @CurrentUser() caller: UserId,
    @Ctx() context: ChatContext,
  ): Promise<boolean> {
    return context.services.conversations.hide(caller, target);
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
  @Mutation(() => Int, {
    description:
      'Marks everything in the conversation read (targetUserId or conversationId); returns how many messages changed.',
  })
  markConversationRead(
    @Args() target: TargetUserFilterArgs,
    @CurrentUser() caller: UserId,
    @Ctx() context: ChatContext,
  ): Promise<number> {
    return context.services.conversations.markConversationRead(caller, target);
  }

  @FieldResolver(() => String, { nullable: true })
  lastMessage(@Root() conversation: ConversationRoot): string | null {
    return conversation.lastMessage?.message ?? null;
  }

  @FieldResolver(() => UserObject, {
    nullable: true,
    description: 'DIRECT: the other person (null when the main app no longer has them). Null in a group.',
  })
  otherUser(@Root() conversation: ConversationRoot, @Ctx() context: ChatContext): Promise<User | null> {
    return conversation.otherUserId ? context.loaders.user.load(conversation.otherUserId) : Promise.resolve(null);
  }

  @FieldResolver(() => MemberConnectionObject, {
    description: 'Members in join order (a DIRECT conversation: its two people).',
  })
  members(
    @Root() conversation: ConversationRoot,
    @Arg('first', () => Int, { nullable: true, defaultValue: DEFAULT_PAGE_SIZE }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @CurrentUser() caller: UserId,
    @Ctx() context: ChatContext,
  ): Promise<{ nodes: readonly Member[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } }> {
    return context.services.groups.members(caller, conversation.conversationId, first, after).then((page) => ({
      nodes: page.members,
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
    }));
  }

  @FieldResolver(() => Int, {
    description: 'Unread messages that mention me (exact: counted from the messages, never a drifting counter).',
  })
  mentionCount(@Root() conversation: ConversationRoot, @Ctx() context: ChatContext): Promise<number> {
    return context.loaders.mentionCount?.load(conversation) ?? Promise.resolve(0);
  }

  @FieldResolver(() => [MessageObject], { description: 'Pinned messages, oldest pin first.' })
  async pinnedMessages(@Root() conversation: ConversationRoot, @Ctx() context: ChatContext): Promise<ChatMessage[]> {
    const { conversationId } = conversation;
    const messages = await context.loaders.message.loadMany(
      conversation.pins.map((pin) => ({ conversationId, id: pin.messageId })),
    );
    return messages.filter((message): message is ChatMessage => !(message instanceof Error) && message !== null);
  }

  @FieldResolver(() => String, {
    description: 'Where a client that just loaded this conversation starts conversationEvents (`after`).',
  })
  eventCursor(@Root() conversation: ConversationRoot): string {
    return TimelineService.cursorOf(conversation.conversationId, conversation.lastSeq, conversation.eventSeq);
  }

  @FieldResolver(() => Boolean, {
    description: `Read receipts (readByCount, readBy) are kept for this conversation: off in groups over ${GROUP_LIVE_SIGNALS_MAX_MEMBERS} members.`,
  })
  receiptsEnabled(@Root() conversation: ConversationRoot): boolean {
    return conversation.liveSignals;
  }

  @FieldResolver(() => Boolean, {
    description: `Typing indicators reach members: off in groups over ${GROUP_LIVE_SIGNALS_MAX_MEMBERS} members (setTyping answers false).`,
  })
  typingEnabled(@Root() conversation: ConversationRoot): boolean {
    return conversation.liveSignals;
  }

  @Authorized()
  @Mutation(() => ConversationObject, {
    description:
      'Creates a group with me as OWNER and the named members. A retry with the same clientRequestId answers the same group.',
  })
  createGroup(
    @Arg('input', () => CreateGroupInput) input: CreateGroupInput,
    @CurrentUser() caller: UserId,
    @Ctx() context: ChatContext,
  ): Promise<ConversationRoot> {
    return context.services.groups.create(caller, input);
  }

  @Authorized()
  @Mutation(() => ConversationObject, {
    description: 'Adds members (OWNER and ADMINs); they see messages from now on.',
  })
  addMembers(
    @Arg('conversationId', () => ID) conversationId: string,
    @Arg('userIds', () => [ID]) userIds: string[],
    @CurrentUser() caller: UserId,
    @Ctx() context: ChatContext,
  ): Promise<ConversationRoot> {
    return context.services.groups.addMembers(caller, conversationId, userIds);
  }

  @Authorized()
  @Mutation(() => ConversationObject, {
    description:
      'Removes a member (the OWNER anyone but themselves, ADMINs MEMBERs); their subscriptions stop at once.',
  })
  removeMember(
    @Arg('conversationId', () => ID) conversationId: string,
    @Arg('userId', () => ID) userId: string,
    @CurrentUser() caller: UserId,
    @Ctx() context: ChatContext,
  ): Promise<ConversationRoot> {
    return context.services.groups.removeMember(caller, conversationId, userId);
  }

  @Authorized()
  @Mutation(() => Boolean, {
    description: 'Leaves a group. An OWNER who leaves hands ownership to the longest-standing ADMIN, else MEMBER.',
  })
  leaveConversation(
    @Arg('conversationId', () => ID) conversationId: string,
    @CurrentUser() caller: UserId,
    @Ctx() context: ChatContext,
  ): Promise<boolean> {
    return context.services.groups.leave(caller, conversationId);
  }

  @Authorized()
  @Mutation(() => ConversationObject, { description: 'Renames a group (OWNER and ADMINs).' })
  updateConversation(
    @Arg('conversationId', () => ID) conversationId: string,
    @Arg('title') title: string,
    @CurrentUser() caller: UserId,
    @Ctx() context: ChatContext,
  ): Promise<ConversationRoot> {
    return context.services.groups.rename(caller, conversationId, title);
  }

  @Authorized()
  @Mutation(() => ConversationObject, {
    description:
      "Changes a member's role. OWNER and ADMINs make MEMBERs ADMIN; only the OWNER demotes ADMINs or hands over ownership (role OWNER; they become ADMIN).",
  })
  setMemberRole(
    @Arg('conversationId', () => ID) conversationId: string,
    @Arg('userId', () => ID) userId: string,
    @Arg('role', () => MemberRoleEnum) role: MemberRole,
    @CurrentUser() caller: UserId,
    @Ctx() context: ChatContext,
  ): Promise<ConversationRoot> {
    return context.services.groups.setRole(caller, conversationId, userId, role);
  }

  @Authorized()
  @Subscription(() => ConversationUpdatedEventObject, {
    description:
      'Membership and title changes of my groups, including my being added (CREATED, MEMBERS_ADDED) or removed (MEMBER_REMOVED).',
    subscribe: openFeed((services, userId) => services.live.conversationUpdated(userId)),
  })
  conversationUpdated(@Root() event: ConversationUpdated): ConversationUpdated {
    return event;
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

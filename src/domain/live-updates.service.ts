import type { ConversationAccess } from './conversation/conversation.access';
import type { MessagesRead } from './conversation/conversation.service';
import {
  confirmed,
  type ChatEvent,
  type ConversationFeedKind,
  type EventOfKind,
  type EventSubscriber,
  type LiveEvents,
} from './events';
import { FeedStream } from './feed-stream';
import type { GroupFeeds } from './group-feeds';
import { isGroupConversationId, parseUserId, type ConversationId, type UserId } from './ids';
import type { SystemEvent } from './message/message.types';
import { TypingStream, type TypingEvent } from './typing/typing.stream';

export type ChatStarted = Omit<EventOfKind<'CHAT_STARTED'>, 'kind'>;
export type ChatEnded = Omit<EventOfKind<'CHAT_ENDED'>, 'kind'>;
export type MessageDeleted = Omit<EventOfKind<'MESSAGE_DELETED'>, 'kind'>;
export type UserStatus = Omit<EventOfKind<'USER_STATUS'>, 'kind' | 'audience'>;
/** What conversationUpdated delivers. */
export interface ConversationUpdated extends SystemEvent {
  readonly conversationId: ConversationId;
  readonly seq: number;
  readonly occurredAt: Date;
}

function without<K extends ChatEvent['kind']>(kind: K, event: ChatEvent): Omit<EventOfKind<K>, 'kind'> | null {
  if (event.kind !== kind) return null;
  const { kind: _kind, ...rest } = event as EventOfKind<K>;
  return rest as Omit<EventOfKind<K>, 'kind'>;
}

/**
 * The live feeds behind every subscription except `newMessage` (which also replays). Each one is
 * confirmed by the broker before it is returned, and scoped to the caller: their own per-user
 * feed, or a conversation they take part in.
 */
export class LiveUpdatesService {
  constructor(
    private readonly subscriber: EventSubscriber,
    private readonly groupFeeds: GroupFeeds,
    private readonly access: ConversationAccess,
    private readonly typingExpiryMs: number,
  ) {}

  messagesRead(userId: UserId, conversationId: unknown): Promise<AsyncIterableIterator<MessagesRead>> {
    return this.openConversations(userId, conversationId, 'MESSAGES_READ', (event) => {
      const read = without('MESSAGES_READ', event);
      return (
        read && {
          conversationId: read.conversationId,
          messageIds: read.messageIds,
          readAt: new Date(read.readAt),
          readerId: read.readerId,
          readSeq: read.readSeq ?? 0,
        }
      );
    });
  }

  messageDeleted(userId: UserId, conversationId: unknown): Promise<AsyncIterableIterator<MessageDeleted>> {
    return this.openConversations(userId, conversationId, 'MESSAGE_DELETED', (event) =>
      without('MESSAGE_DELETED', event),
    );
  }

  /** Membership and title changes of the caller's groups, including their own joining and removal. */
  conversationUpdated(userId: UserId): Promise<AsyncIterableIterator<ConversationUpdated>> {
    return this.openConversations(userId, null, 'CONVERSATION_UPDATED', (event) => {
      if (event.kind !== 'CONVERSATION_UPDATED') return null;
      const { conversationId, seq, occurredAt, type, actorId, userIds, title, role } = event;
      return { conversationId, seq, occurredAt: new Date(occurredAt), type, actorId, userIds, title, role };
    });
  }

  chatStarted(userId: UserId): Promise<AsyncIterableIterator<ChatStarted>> {
    return this.open(this.subscriber.open({ scope: 'user', userId, kind: 'CHAT_STARTED' }), (event) =>
      without('CHAT_STARTED', event),
    );
  }

  chatEnded(userId: UserId): Promise<AsyncIterableIterator<ChatEnded>> {
    return this.open(this.subscriber.open({ scope: 'user', userId, kind: 'CHAT_ENDED' }), (event) =>
      without('CHAT_ENDED', event),
    );
  }

  /**
   * Who is typing to the caller, in DIRECT conversations and in their groups: from one user with
   * `targetUserId`, in one conversation with `conversationId`. A state not refreshed within
   * `typingExpiryMs` ends.
   */
  async typing(
    userId: UserId,
    targetUserId: unknown,
    conversationId: unknown = null,
  ): Promise<AsyncIterableIterator<TypingEvent>> {
    const from = targetUserId == null ? null : parseUserId(targetUserId, 'targetUserId');
    const only = conversationId == null ? null : await this.scope(userId, conversationId);
    // A DIRECT conversation's typing travels on the user's own topic; a group's on the group's.
    const live = this.groupFeeds.open(userId, 'TYPING', only && isGroupConversationId(only) ? only : null);
    await confirmed(live);
    return new TypingStream(
      live.events,
      (event) =>
        event.userId !== userId &&
        (from === null || event.userId === from) &&
        (only === null || event.conversationId === only),
      this.typingExpiryMs,
    );
  }

  /** Presence changes of the caller's contacts (or of these `userIds` among them). */
  userStatus(userId: UserId, userIds: unknown): Promise<AsyncIterableIterator<UserStatus>> {
    const only = Array.isArray(userIds) ? new Set(userIds.map((id: unknown) => parseUserId(id, 'userIds'))) : null;
    return this.open(this.subscriber.open({ scope: 'user', userId, kind: 'USER_STATUS' }), (event) => {
      const status = without('USER_STATUS', event);
      if (!status || (only && !only.has(status.userId))) return null;
      return { type: status.type, userId: status.userId, timestamp: status.timestamp };
    });
  }

  /** A conversation the caller may watch: a DIRECT one they are in, or a group they are a member of. */
  private async scope(userId: UserId, conversationId: unknown): Promise<ConversationId> {
    return (await this.access.resolve(userId, { conversationId })).conversationId;
  }

  private async openConversations<T>(
    userId: UserId,
    conversationId: unknown,
    kind: ConversationFeedKind,
    select: (event: ChatEvent) => T | null,
  ): Promise<AsyncIterableIterator<T>> {
    const only = conversationId == null ? null : await this.scope(userId, conversationId);
    return this.open(this.groupFeeds.open(userId, kind, only), select);
  }

  private async open<T>(live: LiveEvents, select: (event: ChatEvent) => T | null): Promise<AsyncIterableIterator<T>> {
    await confirmed(live);
    return new FeedStream([], live.events, select);
  }
}

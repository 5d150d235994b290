import type { ConversationAccess } from './conversation/conversation.access';
import type { MessagesRead } from './conversation/conversation.service';
import type { ChatEvent, EventOfKind, EventSubscriber, Feed } from './events';
import { FeedStream } from './feed-stream';
import { parseUserId, type ConversationId, type UserId } from './ids';
import { TypingStream, type TypingEvent } from './typing/typing.stream';

export type ChatStarted = Omit<EventOfKind<'CHAT_STARTED'>, 'kind'>;
export type ChatEnded = Omit<EventOfKind<'CHAT_ENDED'>, 'kind'>;
export type MessageDeleted = Omit<EventOfKind<'MESSAGE_DELETED'>, 'kind'>;
export type UserStatus = Omit<EventOfKind<'USER_STATUS'>, 'kind' | 'audience'>;

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
    private readonly access: ConversationAccess,
    private readonly typingExpiryMs: number,
  ) {}

  messagesRead(userId: UserId, conversationId: unknown): Promise<AsyncIterableIterator<MessagesRead>> {
    return this.open(this.feed(userId, conversationId, 'MESSAGES_READ'), (event) => {
      const read = without('MESSAGES_READ', event);
      return (
        read && {
          conversationId: read.conversationId,
          messageIds: read.messageIds,
          readAt: new Date(read.readAt),
          readerId: read.readerId,
        }
      );
    });
  }

  messageDeleted(userId: UserId, conversationId: unknown): Promise<AsyncIterableIterator<MessageDeleted>> {
    return this.open(this.feed(userId, conversationId, 'MESSAGE_DELETED'), (event) =>
      without('MESSAGE_DELETED', event),
    );
  }

  chatStarted(userId: UserId): Promise<AsyncIterableIterator<ChatStarted>> {
    return this.open({ scope: 'user', userId, kind: 'CHAT_STARTED' }, (event) => without('CHAT_STARTED', event));
  }

  chatEnded(userId: UserId): Promise<AsyncIterableIterator<ChatEnded>> {
    return this.open({ scope: 'user', userId, kind: 'CHAT_ENDED' }, (event) => without('CHAT_ENDED', event));
  }

  /** Who is typing to the caller (from one user, with `targetUserId`); a state not refreshed within `typingExpiryMs` ends. */
  async typing(userId: UserId, targetUserId: unknown): Promise<AsyncIterableIterator<TypingEvent>> {
    const from = targetUserId == null ? null : parseUserId(targetUserId, 'targetUserId');
    const live = this.subscriber.open({ scope: 'user', userId, kind: 'TYPING' });
    await this.confirmed(live);
    return new TypingStream(live.events, (event) => from === null || event.userId === from, this.typingExpiryMs);
  }

  /** Presence changes of the caller's contacts (or of these `userIds` among them). */
  userStatus(userId: UserId, userIds: unknown): Promise<AsyncIterableIterator<UserStatus>> {
    const only = Array.isArray(userIds) ? new Set(userIds.map((id: unknown) => parseUserId(id, 'userIds'))) : null;
    return this.open({ scope: 'user', userId, kind: 'USER_STATUS' }, (event) => {
      const status = without('USER_STATUS', event);
      if (!status || (only && !only.has(status.userId))) return null;
      return { type: status.type, userId: status.userId, timestamp: status.timestamp };
    });
  }

  private feed(userId: UserId, conversationId: unknown, kind: 'MESSAGES_READ' | 'MESSAGE_DELETED'): Feed {
    if (conversationId == null) return { scope: 'user', userId, kind };
    const allowed: ConversationId = this.access.asParticipant(userId, conversationId).conversationId;
    return { scope: 'conversation', conversationId: allowed, kind };
  }

  private async open<T>(feed: Feed, select: (event: ChatEvent) => T | null): Promise<AsyncIterableIterator<T>> {
    const live = this.subscriber.open(feed);
    await this.confirmed(live);
    return new FeedStream([], live.events, select);
  }

  private async confirmed(live: ReturnType<EventSubscriber['open']>): Promise<void> {
    try {
      await live.ready;
    } catch (error) {
      await live.events.return?.();
      throw error;
    }
  }
}

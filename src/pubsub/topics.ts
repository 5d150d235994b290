import { assertNever, type ChatEvent, type ChatEventKind, type Feed } from '../domain/events';
import type { ConversationId, UserId } from '../domain/ids';

const USER_STREAM: Readonly<Record<ChatEventKind, string>> = {
  MESSAGE_CREATED: 'messages',
  MESSAGES_READ: 'read',
  MESSAGE_DELETED: 'deleted',
  CHAT_STARTED: 'chat_started',
  CHAT_ENDED: 'chat_ended',
  TYPING: 'typing',
  USER_STATUS: 'status',
};

/**
 * Every Redis channel name lives here. Events are delivered by topic, never by filtering a shared
 * one, so an event costs work only on the nodes holding its subscribers. The seed's names are
 * kept where they fit: `chat:{conversationId}` (messages), `chat:{conversationId}:read`, and
 * `user_status` (every presence transition, for operators and other services).
 */
export const Topics = {
  /** One kind of event addressed to one user, on all their devices. */
  user: (userId: UserId, kind: ChatEventKind) => `user:${userId}:${USER_STREAM[kind]}`,
  conversationMessages: (conversationId: ConversationId) => `chat:${conversationId}`,
  conversationRead: (conversationId: ConversationId) => `chat:${conversationId}:read`,
  conversationDeleted: (conversationId: ConversationId) => `chat:${conversationId}:deleted`,
  userStatus: 'user_status',
} as const;

export function topicForFeed(feed: Feed): string {
  if (feed.scope === 'user') return Topics.user(feed.userId, feed.kind);
  switch (feed.kind) {
    case 'MESSAGE_CREATED':
      return Topics.conversationMessages(feed.conversationId);
    case 'MESSAGES_READ':
      return Topics.conversationRead(feed.conversationId);
    case 'MESSAGE_DELETED':
      return Topics.conversationDeleted(feed.conversationId);
    default:
      return assertNever(feed);
  }
}

/** The channels an event is published on. */
export function topicsFor(event: ChatEvent): string[] {
  const toUsers = (...users: UserId[]) => [...new Set(users)].map((user) => Topics.user(user, event.kind));
  switch (event.kind) {
    case 'MESSAGE_CREATED':
      return [
        ...toUsers(event.message.receiverId, event.message.senderId),
        Topics.conversationMessages(event.message.conversationId),
      ];
    case 'MESSAGES_READ':
      return [...toUsers(event.senderId, event.readerId), Topics.conversationRead(event.conversationId)];
    case 'MESSAGE_DELETED':
      return [...toUsers(event.deletedBy, event.otherUserId), Topics.conversationDeleted(event.conversationId)];
    case 'CHAT_STARTED':
      return toUsers(event.targetId);
    case 'CHAT_ENDED':
      return toUsers(event.userId, event.otherUserId);
    case 'TYPING':
      return toUsers(event.targetUserId);
    case 'USER_STATUS':
      return [...toUsers(...event.audience), Topics.userStatus];
    default:
      return assertNever(event);
  }
}

const KINDS = new Set<string>(Object.keys(USER_STREAM));

/**
 * Runtime check for payloads read back from Redis, where anyone with access can publish anything.
 * Checks the discriminant and the fields every consumer relies on.
 */
export function isChatEvent(value: unknown): value is ChatEvent {
  if (typeof value !== 'object' || value === null) return false;
  const event = value as Record<string, unknown>;
  if (typeof event['kind'] !== 'string' || !KINDS.has(event['kind'])) return false;
  if (event['kind'] === 'MESSAGE_CREATED') {
    const message = event['message'] as Record<string, unknown> | undefined;
    return (
      typeof message?.['id'] === 'string' &&
      typeof message['seq'] === 'number' &&
      typeof message['conversationId'] === 'string'
    );
  }
  if (event['kind'] === 'USER_STATUS') return typeof event['userId'] === 'string' && Array.isArray(event['audience']);
  return typeof event['conversationId'] === 'string';
}

import { assertNever, type ChatEvent, type ChatEventKind, type Feed } from '../domain/events';
import type { ConversationId, UserId } from '../domain/ids';

const USER_STREAM: Readonly<Record<ChatEventKind, string>> = {
  MESSAGE_CREATED: 'messages',
  MESSAGE_CHANGED: 'changes',
  MESSAGES_READ: 'read',
  MESSAGE_DELETED: 'deleted',
  CHAT_STARTED: 'chat_started',
  CHAT_ENDED: 'chat_ended',
  TYPING: 'typing',
  USER_STATUS: 'status',
  CONVERSATION_UPDATED: 'conversation_updated',
  USER_JOURNAL: 'journal',
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
  /** Edits, reactions, deletes and pins (conversationEvents). */
  conversationChanges: (conversationId: ConversationId) => `chat:${conversationId}:changes`,
  conversationRead: (conversationId: ConversationId) => `chat:${conversationId}:read`,
  conversationDeleted: (conversationId: ConversationId) => `chat:${conversationId}:deleted`,
  conversationTyping: (conversationId: ConversationId) => `chat:${conversationId}:typing`,
  conversationUpdated: (conversationId: ConversationId) => `chat:${conversationId}:updated`,
  /** Every membership change, once: each WS instance subscribes once and follows its own users' groups. */
  conversationUpdates: 'conversation_updates',
  userStatus: 'user_status',
} as const;

export function topicForFeed(feed: Feed): string {
  if (feed.scope === 'user') return Topics.user(feed.userId, feed.kind);
  if (feed.scope === 'all') return Topics.conversationUpdates;
  const { kind } = feed;
  switch (kind) {
    case 'MESSAGE_CREATED':
      return Topics.conversationMessages(feed.conversationId);
    case 'MESSAGE_CHANGED':
      return Topics.conversationChanges(feed.conversationId);
    case 'MESSAGES_READ':
      return Topics.conversationRead(feed.conversationId);
    case 'MESSAGE_DELETED':
      return Topics.conversationDeleted(feed.conversationId);
    case 'TYPING':
      return Topics.conversationTyping(feed.conversationId);
    case 'CONVERSATION_UPDATED':
      return Topics.conversationUpdated(feed.conversationId);
    default:
      return assertNever(kind);
  }
}

/**
 * The channels an event is published on. A DIRECT conversation's events go to both people's user
 * topics (and the conversation's, for subscriptions that name it). A group's go to its
 * conversation topic only, whatever its size: each WS instance subscribes once to the groups of
 * the users it holds (domain/group-feeds.ts), so a group message is one publish, not one per
 * member. conversationUpdated also reaches the users it names on their own topic (for their
 * conversationUpdated subscriptions: those just added are not listening to the group yet, and
 * those removed stop listening to it), and every WS instance on one shared topic, from which each
 * follows which groups its users are in without a subscription per user.
 */
export function topicsFor(event: ChatEvent): string[] {
  const toUsers = (...users: Array<UserId | null>) =>
    [...new Set(users)].flatMap((user) => (user ? [Topics.user(user, event.kind)] : []));
  switch (event.kind) {
    case 'MESSAGE_CREATED':
      if (event.message.receiverId === null) return [Topics.conversationMessages(event.message.conversationId)];
      return [
        ...toUsers(event.message.receiverId, event.message.senderId),
        Topics.conversationMessages(event.message.conversationId),
      ];
    case 'MESSAGES_READ':
      if (event.senderId === null) return [Topics.conversationRead(event.conversationId)];
      return [...toUsers(event.senderId, event.readerId), Topics.conversationRead(event.conversationId)];
    case 'MESSAGE_DELETED':
      if (event.otherUserId === null) return [Topics.conversationDeleted(event.conversationId)];
      return [...toUsers(event.deletedBy, event.otherUserId), Topics.conversationDeleted(event.conversationId)];
    case 'MESSAGE_CHANGED':
      if (event.participants === null) return [Topics.conversationChanges(event.conversationId)];
      return [...toUsers(...event.participants), Topics.conversationChanges(event.conversationId)];
    case 'CHAT_STARTED':
      return toUsers(event.targetId);
    case 'CHAT_ENDED':
      return toUsers(event.userId, event.otherUserId);
    case 'TYPING':
      if (event.targetUserId === null) return [Topics.conversationTyping(event.conversationId)];
      return toUsers(event.targetUserId);
    case 'CONVERSATION_UPDATED':
      return [
        ...toUsers(...event.userIds),
        Topics.conversationUpdated(event.conversationId),
        Topics.conversationUpdates,
      ];
    case 'USER_STATUS':
      return [...toUsers(...event.audience), Topics.userStatus];
    case 'USER_JOURNAL':
      return toUsers(event.userId);
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
  if (event['kind'] === 'MESSAGE_CHANGED') {
    const change = event['change'] as Record<string, unknown> | undefined;
    const message = event['message'] as Record<string, unknown> | undefined;
    return (
      typeof event['conversationId'] === 'string' &&
      typeof change?.['seq'] === 'number' &&
      typeof change['type'] === 'string' &&
      typeof message?.['id'] === 'string'
    );
  }
  if (event['kind'] === 'USER_STATUS') return typeof event['userId'] === 'string' && Array.isArray(event['audience']);
  if (event['kind'] === 'USER_JOURNAL') {
    const entry = event['entry'] as Record<string, unknown> | undefined;
    return typeof event['userId'] === 'string' && typeof entry?.['seq'] === 'number';
  }
  return typeof event['conversationId'] === 'string';
}

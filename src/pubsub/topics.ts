import { assertNever, type ChatEvent } from '../domain/events';
import type { ConversationId, UserId } from '../domain/ids';

/**
 * Every Redis channel name lives here. Events are delivered by topic, never by filtering a shared
 * one, so an event costs work only on the nodes holding its subscribers. The seed's names are
 * kept where they fit (`chat:{conversationId}`, `chat:{conversationId}:read`, `user_status`).
 */
export const Topics = {
  /** Every message in any conversation of this user (all their devices). */
  userMessages: (userId: UserId) => `user:${userId}:messages`,
  /** Messages of one conversation. */
  conversation: (conversationId: ConversationId) => `chat:${conversationId}`,
} as const;

/** The channels an event is published on. */
export function topicsFor(event: ChatEvent): string[] {
  switch (event.kind) {
    case 'MESSAGE_CREATED': {
      const { message } = event;
      return [
        Topics.userMessages(message.receiverId),
        Topics.userMessages(message.senderId),
        Topics.conversation(message.conversationId),
      ];
    }
    default:
      return assertNever(event.kind);
  }
}

/** Runtime check for payloads read back from Redis, where anyone with access can publish anything. */
export function isChatEvent(value: unknown): value is ChatEvent {
  if (typeof value !== 'object' || value === null) return false;
  const event = value as { kind?: unknown; message?: { id?: unknown; seq?: unknown; conversationId?: unknown } };
  return (
    event.kind === 'MESSAGE_CREATED' &&
    typeof event.message?.id === 'string' &&
    typeof event.message.seq === 'number' &&
    typeof event.message.conversationId === 'string'
  );
}

import type { PresenceType } from '../events';
import type { ConversationId, UserId } from '../ids';
import type { ChatMessage } from '../message/message.types';
import type { ConversationEventType } from './timeline.types';
import type { UserEvent } from './user-events.types';
import type { JournalEntryType } from './user-journal';

export type UserEventType = ConversationEventType | JournalEntryType | 'TYPING' | 'PRESENCE';

/**
 * A stream entry as every door shows it (GraphQL's UserEvent, REST's /api/chat/events): one flat
 * record whatever its source, with the fields its type does not have set to null.
 */
export interface UserEventView {
  readonly cursor: string;
  readonly type: UserEventType;
  readonly conversationId: ConversationId | null;
  readonly actorId: UserId;
  readonly occurredAt: Date;
  readonly messageId: string | null;
  readonly message: ChatMessage | null;
  readonly emoji: string | null;
  readonly userIds: readonly string[];
  readonly isTyping: boolean | null;
  readonly status: PresenceType | null;
  readonly readSeq: number | null;
  readonly messageIds: readonly string[] | null;
  readonly scheduledMessageId: string | null;
  readonly failureCode: string | null;
  readonly failure: string | null;
}

const NOTHING = {
  messageId: null,
  message: null,
  emoji: null,
  userIds: [],
  isTyping: null,
  status: null,
  readSeq: null,
  messageIds: null,
  scheduledMessageId: null,
  failureCode: null,
  failure: null,
} as const;

export function userEventView(entry: UserEvent): UserEventView {
  const { cursor } = entry;
  if (entry.kind === 'timeline') {
    const { event } = entry;
    return {
      ...NOTHING,
      cursor,
      type: event.type,
      conversationId: event.conversationId,
      actorId: event.actorId,
      occurredAt: event.occurredAt,
      messageId: event.messageId,
      message: event.message,
      emoji: event.emoji,
      userIds: [...event.userIds],
    };
  }
  if (entry.kind === 'journal') {
    const { entry: stored } = entry;
    return {
      ...NOTHING,
      cursor,
      type: stored.type,
      conversationId: stored.conversationId,
      actorId: stored.actorId,
      occurredAt: stored.occurredAt,
      readSeq: stored.readSeq,
      messageIds: stored.type === 'MESSAGES_READ' ? [...stored.messageIds] : null,
      userIds: [...stored.userIds],
      messageId: stored.messageId,
      scheduledMessageId: stored.scheduledMessageId,
      failureCode: stored.failure?.code ?? null,
      failure: stored.failure?.message ?? null,
    };
  }
  const { event } = entry;
  switch (event.type) {
    case 'MESSAGES_READ':
      return { ...NOTHING, cursor, ...event, readSeq: event.readSeq };
    case 'TYPING':
      return { ...NOTHING, cursor, ...event, occurredAt: new Date() };
    case 'PRESENCE':
      return { ...NOTHING, cursor, ...event, conversationId: null };
  }
}

import type { ChatMessage } from './message.types';

/** A message as it travels through Redis: JSON-safe, dates as ISO strings, no `deletedAt` (live messages are not deleted). */
export type MessagePayload = Omit<ChatMessage, 'readAt' | 'deletedAt' | 'createdAt' | 'updatedAt'> & {
  readonly readAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
};

export function toMessagePayload(message: ChatMessage): MessagePayload {
  return {
    id: message.id,
    conversationId: message.conversationId,
    seq: message.seq,
    senderId: message.senderId,
    receiverId: message.receiverId,
    message: message.message,
    messageType: message.messageType,
    attachmentUrl: message.attachmentUrl,
    clientMessageId: message.clientMessageId,
    isRead: message.isRead,
    readAt: message.readAt?.toISOString() ?? null,
    createdAt: message.createdAt.toISOString(),
    updatedAt: message.updatedAt.toISOString(),
  };
}

export function fromMessagePayload(payload: MessagePayload): ChatMessage {
  return {
    ...payload,
    readAt: payload.readAt === null ? null : new Date(payload.readAt),
    deletedAt: null,
    createdAt: new Date(payload.createdAt),
    updatedAt: new Date(payload.updatedAt),
  };
}

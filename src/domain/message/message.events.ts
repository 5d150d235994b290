import type { User } from '../user/user.types';
import type { ChatMessage, LiveMessage } from './message.types';

/** A message as it travels through Redis: JSON-safe, dates as ISO strings, no `deletedAt` (live messages are not deleted). */
export type MessagePayload = Omit<ChatMessage, 'readAt' | 'deletedAt' | 'createdAt' | 'updatedAt'> & {
  readonly readAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Sender's and receiver's profiles at publish time (see {@link LiveMessage}). */
  readonly people?: { readonly sender: User | null; readonly receiver: User | null };
  /** Groups: see {@link LiveMessage.memberVersion}. */
  readonly memberVersion?: number;
};

export function toMessagePayload(
  message: ChatMessage,
  people?: LiveMessage['people'],
  memberVersion?: number,
): MessagePayload {
  return {
    ...(people ? { people } : {}),
    ...(memberVersion !== undefined ? { memberVersion } : {}),
    id: message.id,
    conversationId: message.conversationId,
    seq: message.seq,
    senderId: message.senderId,
    receiverId: message.receiverId,
    message: message.message,
    messageType: message.messageType,
    attachmentUrl: message.attachmentUrl,
    clientMessageId: message.clientMessageId,
    systemEvent: message.systemEvent,
    tally: message.tally,
    isRead: message.isRead,
    readAt: message.readAt?.toISOString() ?? null,
    createdAt: message.createdAt.toISOString(),
    updatedAt: message.updatedAt.toISOString(),
  };
}

export function fromMessagePayload(payload: MessagePayload): LiveMessage {
  return {
    ...payload,
    readAt: payload.readAt === null ? null : new Date(payload.readAt),
    deletedAt: null,
    createdAt: new Date(payload.createdAt),
    updatedAt: new Date(payload.updatedAt),
  };
}

import type { ConversationId, UserId } from '../ids';
import type { User } from '../user/user.types';

/** Stored lower-case, as in the seed's schema and REST responses; GraphQL exposes TEXT/IMAGE/FILE. */
export type MessageType = 'text' | 'image' | 'file';
export const MESSAGE_TYPES: readonly MessageType[] = ['text', 'image', 'file'];

/** A stored chat message as the domain sees it (no mongoose types). */
export interface ChatMessage {
  readonly id: string;
  readonly conversationId: ConversationId;
  /** Position in its conversation: 1, 2, 3 ... (gaps possible, never reordered). */
  readonly seq: number;
  readonly senderId: UserId;
  readonly receiverId: UserId;
  readonly message: string;
  readonly messageType: MessageType;
  readonly attachmentUrl: string | null;
  readonly clientMessageId: string;
  readonly isRead: boolean;
  readonly readAt: Date | null;
  readonly deletedAt: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/**
 * A message delivered live. `people` are its sender's and receiver's profiles as the writer read
 * them when it published (null: no such user), so delivering to many subscribers queries no
 * users; absent on events that lack them.
 */
export interface LiveMessage extends ChatMessage {
  readonly people?: { readonly sender: User | null; readonly receiver: User | null };
}

/** What a sender asks for; validated into {@link OutgoingMessage}. */
export interface SendMessageRequest {
  readonly targetUserId: unknown;
  readonly message: unknown;
  readonly messageType?: unknown;
  readonly attachmentUrl?: unknown;
  readonly clientMessageId?: unknown;
}

export interface OutgoingMessage {
  readonly receiverId: UserId;
  readonly message: string;
  readonly messageType: MessageType;
  readonly attachmentUrl: string | null;
  /** Given by the client for idempotent retries, or generated when absent. */
  readonly clientMessageId: string;
}

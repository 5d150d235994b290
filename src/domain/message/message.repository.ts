import type { ConversationId, UserId } from '../ids';
import type { ChatMessage } from './message.types';

export type NewChatMessage = Omit<ChatMessage, 'id' | 'isRead' | 'readAt' | 'deletedAt' | 'createdAt' | 'updatedAt'>;

export type InsertResult = { readonly inserted: ChatMessage } | { readonly duplicateOf: ChatMessage };

/** Storage of messages; implemented with mongoose in persistence/. Deleted messages are never returned. */
export interface MessageRepository {
  findByClientMessageId(senderId: UserId, clientMessageId: string): Promise<ChatMessage | null>;
  /** Stores a message; when the sender already used its `clientMessageId`, returns that original instead. */
  insert(message: NewChatMessage): Promise<InsertResult>;
  /** Newest first, `seq > afterSeq`, skipping `skip`. */
  newestFirst(conversationId: ConversationId, afterSeq: number, skip: number, limit: number): Promise<ChatMessage[]>;
  /** Oldest first, `seq > afterSeq`. */
  oldestFirstAfter(conversationId: ConversationId, afterSeq: number, limit: number): Promise<ChatMessage[]>;
  countAfter(conversationId: ConversationId, afterSeq: number): Promise<number>;
}

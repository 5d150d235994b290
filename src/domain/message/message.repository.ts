import type { ConversationId, UserId } from '../ids';
import type { ChatMessage } from './message.types';

export type NewChatMessage = Omit<ChatMessage, 'id' | 'isRead' | 'readAt' | 'deletedAt' | 'createdAt' | 'updatedAt'>;

/** A slice of one conversation visible to one member: `seq > floorSeq`, not deleted. */
export interface VisibleRange {
  readonly conversationId: ConversationId;
  readonly floorSeq: number;
}

/** Storage of messages; implemented with mongoose in persistence/. Deleted messages are never listed. */
export interface MessageRepository {
  /** Any message by id, deleted ones included (so callers can tell NOT_FOUND from gone). */
  findById(id: string): Promise<ChatMessage | null>;
  /** The sender's message with this idempotency key in the conversation (keys are scoped to one). */
  findByClientMessageId(
    conversationId: ConversationId,
    senderId: UserId,
    clientMessageId: string,
  ): Promise<ChatMessage | null>;
  /**
   * Stores the messages in order, in one round trip, up to the first one a unique index refuses
   * (its sender already used its `clientMessageId` in the conversation, or the conversation
   * already has its `seq`). Entries from that one on are null: not stored. Stored ones stay
   * stored: nothing a writer inserted is ever taken back, since a writer that took over the
   * conversation may already have recorded and published it.
   */
  insertMany(messages: readonly NewChatMessage[]): Promise<Array<ChatMessage | null>>;
  /** Every message of the conversation with `seq > afterSeq`, deleted ones included, oldest first. */
  unrecorded(conversationId: ConversationId, afterSeq: number): Promise<ChatMessage[]>;
  /** Newest first, `seq < beforeSeq` (no bound when null), skipping `skip`. */
  newestFirst(range: VisibleRange, beforeSeq: number | null, skip: number, limit: number): Promise<ChatMessage[]>;
  /** Oldest first, `seq > afterSeq`. */
  oldestFirstAfter(range: VisibleRange, afterSeq: number, limit: number): Promise<ChatMessage[]>;
  count(range: VisibleRange): Promise<number>;
  /** Unread messages to `receiverId` in the range with `seq <= upToSeq`, optionally only these ids. */
  unreadFor(
    range: VisibleRange,
    receiverId: UserId,
    upToSeq: number,
    only: { ids?: readonly string[] },
  ): Promise<ChatMessage[]>;
  /** Marks these messages read (those still unread); returns how many changed. */
  markRead(conversationId: ConversationId, ids: readonly string[], readAt: Date): Promise<number>;
  /** These messages of the conversation (deleted ones included), oldest first; unknown ids are skipped. */
  findInConversation(conversationId: ConversationId, ids: readonly string[]): Promise<ChatMessage[]>;
  /** Deleted messages other than SYSTEM ones with `afterSeq < seq <= upToSeq` (a group's unread fallback). */
  countDeleted(conversationId: ConversationId, afterSeq: number, upToSeq: number): Promise<number>;
  /** Soft-deletes the sender's message; returns it as it was, or null if it was already gone. */
  softDelete(id: string, senderId: UserId, at: Date): Promise<ChatMessage | null>;
  /** The newest message in the conversation that is not deleted. */
  latestVisible(conversationId: ConversationId): Promise<ChatMessage | null>;
  /** Case-insensitive search for `pattern` (an escaped regex) within the ranges, newest first. */
  search(ranges: readonly VisibleRange[], pattern: string, limit: number): Promise<ChatMessage[]>;
}

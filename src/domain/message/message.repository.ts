import type { ConversationId, UserId } from '../ids';
import type { ChatMessage, MessageEdit, Reaction } from './message.types';

/** What a writer stores; everything a message gains after it is sent starts empty. */
export type NewChatMessage = Omit<
  ChatMessage,
  | 'id'
  | 'isRead'
  | 'readAt'
  | 'deletedAt'
  | 'createdAt'
  | 'updatedAt'
  | 'editedAt'
  | 'edits'
  | 'reactions'
  | 'pinnedAt'
  | 'pinnedBy'
  | 'changeSeq'
>;

/**
 * What a conversation event does to its message. Applied at most once: the message records the
 * last event applied (`changeSeq`), and a patch applies only above it.
 */
export interface MessagePatch {
  readonly message?: string;
  readonly editedAt?: Date;
  /** The version an edit replaced, appended to `edits`. */
  readonly appendEdit?: MessageEdit;
  readonly reactions?: readonly Reaction[];
  readonly pinnedAt?: Date | null;
  readonly pinnedBy?: UserId | null;
  readonly deletedAt?: Date;
}

/** A slice of one conversation visible to one member: `seq > floorSeq`, not deleted. */
export interface VisibleRange {
  readonly conversationId: ConversationId;
  readonly floorSeq: number;
  /**
   * The conversation's recorded top (`lastSeq`) when the range was read: every position up to it
   * holds a message, so pages are computed sets of positions. Messages above it may follow.
   */
  readonly topSeq: number;
}

/**
 * Where a member's unread mentions start in one conversation: above `floorSeq` (their read
 * position, or what they cannot see). DIRECT messages also carry their own `isRead`.
 */
export interface MentionRange {
  readonly conversationId: ConversationId;
  readonly floorSeq: number;
  readonly direct: boolean;
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
  /** Messages in the range up to its `topSeq`, deleted ones not counted. */
  count(range: VisibleRange): Promise<number>;
  /**
   * Unread messages to `receiverId` in the range with `seq <= upToSeq`, oldest first, optionally
   * only these ids. `counted` is how many the conversation document counts unread for the
   * receiver: the newest that many are looked for, and none when it is 0.
   */
  unreadFor(
    range: VisibleRange,
    receiverId: UserId,
    upToSeq: number,
    only: { ids?: readonly string[] },
    counted: number,
  ): Promise<ChatMessage[]>;
  /** Marks these messages read (those still unread); returns how many changed. */
  /** Marks these (DIRECT) messages read, and their mentions of the reader no longer unread. */
  markRead(conversationId: ConversationId, messages: readonly ChatMessage[], readAt: Date): Promise<number>;
  /** These messages of the conversation (deleted ones included), oldest first; unknown ids are skipped. */
  findInConversation(conversationId: ConversationId, ids: readonly string[]): Promise<ChatMessage[]>;
  /** Deleted messages other than SYSTEM ones with `afterSeq < seq <= upToSeq` (a group's unread fallback). */
  countDeleted(conversationId: ConversationId, afterSeq: number, upToSeq: number): Promise<number>;
  /**
   * Applies the patch of conversation event `changeSeq` unless a later event was applied already
   * (a writer that stalled past its lease cannot undo its successor's change).
   */
  applyPatch(conversationId: ConversationId, id: string, changeSeq: number, patch: MessagePatch): Promise<void>;
  /** One message of the conversation by id, deleted ones included. */
  findOne(conversationId: ConversationId, id: string): Promise<ChatMessage | null>;
  /** The message of the conversation that carries this attachment (deleted or not), if any. */
  findCarrying(conversationId: ConversationId, attachmentId: string): Promise<ChatMessage | null>;
  /** Replies to `replyToId` in the range with `seq > afterSeq`, oldest first, not deleted. */
  replies(range: VisibleRange, replyToId: string, afterSeq: number, limit: number): Promise<ChatMessage[]>;
  /** How many visible replies each of these messages has (absent: none). */
  countReplies(conversationId: ConversationId, ids: readonly string[]): Promise<Map<string, number>>;
  /**
   * For each range: messages that mention `userId`, are not theirs, not deleted, and lie above
   * the range's floor (its read position) and within its `unreadOnly` rule.
   */
  countMentions(userId: UserId, ranges: readonly MentionRange[]): Promise<Map<ConversationId, number>>;
  /** The newest message in the conversation that is not deleted, at or below its recorded top. */
  latestVisible(conversationId: ConversationId, topSeq: number): Promise<ChatMessage | null>;
  /** Case-insensitive search for `pattern` (an escaped regex) within the ranges, newest first. */
  search(ranges: readonly VisibleRange[], pattern: string, limit: number): Promise<ChatMessage[]>;
}

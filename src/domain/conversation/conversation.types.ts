import type { ConversationId, UserId } from '../ids';
import type { ConversationLease } from './conversation.lease';
import type { ChatMessage, MessageType } from '../message/message.types';

/** One participant's view of a conversation. */
export interface MemberState {
  readonly unreadCount: number;
  /** Highest `seq` this member has read. */
  readonly readSeq: number;
  /** Messages up to this `seq` are hidden for this member (deleteConversation). */
  readonly clearedSeq: number;
  readonly hidden: boolean;
}

export interface MessagePreview {
  readonly messageId: string;
  readonly seq: number;
  readonly senderId: UserId;
  readonly message: string;
  readonly messageType: MessageType;
  readonly createdAt: Date;
}

export interface Conversation {
  readonly id: ConversationId;
  readonly participants: readonly [UserId, UserId];
  readonly lastMessage: MessagePreview | null;
  readonly lastMessageTime: Date | null;
  /** Last message or (re)start; the conversation list is ordered by it. */
  readonly lastActivityAt: Date;
  /**
   * Highest `seq` recorded in this document. A message stored with a higher `seq` belongs to a
   * writer that stalled or died before recording it; the next writer folds it in (message.writer.ts).
   */
  readonly lastSeq: number;
  /** Fence of the last lease that wrote this document (0 before any). */
  readonly fence: number;
  readonly members: Readonly<Record<string, MemberState>>;
}

export const EMPTY_MEMBER_STATE: MemberState = Object.freeze({
  unreadCount: 0,
  readSeq: 0,
  clearedSeq: 0,
  hidden: false,
});

export function memberState(conversation: Conversation | null, userId: UserId): MemberState {
  return conversation?.members[userId] ?? EMPTY_MEMBER_STATE;
}

export function previewOf(message: ChatMessage): MessagePreview {
  return {
    messageId: message.id,
    seq: message.seq,
    senderId: message.senderId,
    message: message.message,
    messageType: message.messageType,
    createdAt: message.createdAt,
  };
}

/**
 * What one writer changes in a conversation after storing messages, as absolute values computed
 * under the conversation's lease, so applying it twice changes nothing. It applies only while the
 * document still shows `expectedLastSeq` and no newer fence than the lease's.
 */
export interface ConversationWrite {
  readonly lease: ConversationLease;
  readonly participants: readonly [UserId, UserId];
  /** `lastSeq` as the writer read it; null when the conversation did not exist yet. */
  readonly expectedLastSeq: number | null;
  readonly lastSeq: number;
  /** The newest visible message, when it changed. */
  readonly lastMessage: MessagePreview | null;
  readonly lastActivityAt: Date;
  /** New unread counts of the members whose count changed. */
  readonly unread: Readonly<Record<string, number>>;
  /** Members the conversation shows for again. */
  readonly unhide: readonly UserId[];
}

/**
 * Conversation documents. Every write takes the conversation's lease (see conversation.lease.ts):
 * FerretDB v1 applies an update as read + replace of the whole document, so two writers at once
 * would lose one's changes (measured: 200 concurrent `$inc` ended at 1-5). A write whose lease has
 * been overtaken by a newer one is refused: `record` reports it, the others throw
 * SERVICE_UNAVAILABLE.
 */
export interface ConversationRepository {
  findById(id: ConversationId): Promise<Conversation | null>;
  findMany(ids: readonly ConversationId[]): Promise<Map<ConversationId, Conversation>>;
  /** The user's conversations that are not hidden for them, newest activity first. */
  listVisibleFor(userId: UserId, limit: number): Promise<Conversation[]>;
  /** Every conversation of the user, hidden ones included (search, presence audiences). */
  listAllFor(userId: UserId): Promise<Conversation[]>;
  /** Applies the writes (together where the store allows); returns the conversations whose write was refused. */
  record(writes: readonly ConversationWrite[]): Promise<Set<ConversationId>>;
  /** Creates the conversation, or un-hides it for `openedBy`. */
  open(lease: ConversationLease, participants: readonly [UserId, UserId], openedBy: UserId): Promise<void>;
  /** Moves the reader's read position forward and takes `readCount` off their unread count. */
  markRead(lease: ConversationLease, readerId: UserId, readSeq: number, readCount: number): Promise<void>;
  /** Hides the conversation and everything in it up to `clearedSeq` for one member; zeroes their unread count. */
  hideFor(lease: ConversationLease, userId: UserId, clearedSeq: number): Promise<void>;
  decrementUnread(lease: ConversationLease, userId: UserId, by: number): Promise<void>;
  /** Replaces the preview if it still shows `messageId` (after that message was deleted). */
  replacePreview(lease: ConversationLease, messageId: string, preview: MessagePreview | null): Promise<void>;
}

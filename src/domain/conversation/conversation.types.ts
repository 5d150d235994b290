import type { ConversationId, UserId } from '../ids';
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
  /** Last `seq` handed out in this conversation. */
  readonly lastSeq: number;
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

export interface ConversationRepository {
  findById(id: ConversationId): Promise<Conversation | null>;
  /** The user's conversations that are not hidden for them, newest activity first. */
  listVisibleFor(userId: UserId, limit: number): Promise<Conversation[]>;
  /** Every conversation of the user, hidden ones included (search, presence audiences). */
  listAllFor(userId: UserId): Promise<Conversation[]>;
  /** Creates the conversation when missing and hands out its next `seq` in one atomic update. */
  reserveSeq(id: ConversationId, participants: readonly [UserId, UserId]): Promise<number>;
  /** Updates the preview (only if `message` is the newest), the receiver's unread count, and un-hides it for both. */
  recordMessage(message: ChatMessage): Promise<void>;
  /** The last `seq` handed out (0 for a conversation not created yet). Only meaningful under a serializing mutex. */
  lastSeq(id: ConversationId): Promise<number>;
  /**
   * Everything `reserveSeq` + `recordMessage` write, in one upsert, for a message whose `seq` was
   * read under a serializing mutex (so it is the newest, and nothing else writes meanwhile).
   */
  recordSerialized(message: ChatMessage): Promise<void>;
  /** Creates the conversation, or un-hides it for `openedBy`. */
  open(id: ConversationId, participants: readonly [UserId, UserId], openedBy: UserId): Promise<void>;
  /** Moves the reader's read position forward and takes `readCount` off their unread count. */
  markRead(id: ConversationId, readerId: UserId, readSeq: number, readCount: number): Promise<void>;
  /** Hides the conversation and everything in it so far for one member; zeroes their unread count. */
  hideFor(id: ConversationId, userId: UserId): Promise<void>;
  decrementUnread(id: ConversationId, userId: UserId, by: number): Promise<void>;
  /** Replaces the preview if it still shows `messageId` (after that message was deleted). */
  replacePreview(id: ConversationId, messageId: string, preview: MessagePreview | null): Promise<void>;
}

/**
 * Runs a read-modify-write sequence on one conversation without interleaving with another.
 * Needed because FerretDB v1 applies each update as read + replace of the whole document, so
 * concurrent `$inc`s on one conversation lose updates (measured: 200 concurrent `$inc` → 15).
 */
export interface ConversationMutex {
  /** True when `run` excludes every other writer of the conversation (the FerretDB lock). */
  readonly serializes: boolean;
  run<T>(conversationId: ConversationId, work: () => Promise<T>): Promise<T>;
}

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

export interface ConversationRepository {
  findById(id: ConversationId): Promise<Conversation | null>;
  /** Creates the conversation when missing and hands out its next `seq` in one atomic update. */
  reserveSeq(id: ConversationId, participants: readonly [UserId, UserId]): Promise<number>;
  /** Updates the preview (only if `message` is the newest), the receiver's unread count, and un-hides it for both. */
  recordMessage(message: ChatMessage): Promise<void>;
}

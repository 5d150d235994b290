import type { ConversationId, UserId } from '../ids';
import { otherParticipant } from '../ids';
import { memberState, type Conversation, type MessagePreview } from './conversation.types';

/** DIRECT: two people, id "<a>_<b>". GROUP conversations (DESIGN.md) are not built yet. */
export type ConversationKind = 'DIRECT' | 'GROUP';

/** A conversation as one participant sees it (the seed's conversation list entry, plus more). */
export interface ConversationView {
  readonly conversationId: ConversationId;
  readonly kind: ConversationKind;
  /** Null in a DIRECT conversation (it is named after the other person). */
  readonly title: string | null;
  readonly memberCount: number;
  readonly otherUserId: UserId;
  readonly lastMessage: MessagePreview | null;
  readonly lastMessageTime: Date | null;
  readonly lastSeq: number;
  readonly unreadCount: number;
  readonly readSeq: number;
}

export function viewFor(conversation: Conversation, userId: UserId): ConversationView {
  const member = memberState(conversation, userId);
  // History hidden by deleteConversation stays hidden in the preview too.
  const preview =
    conversation.lastMessage && conversation.lastMessage.seq > member.clearedSeq ? conversation.lastMessage : null;
  return {
    conversationId: conversation.id,
    kind: 'DIRECT',
    title: null,
    memberCount: conversation.participants.length,
    otherUserId: otherParticipant(conversation.id, userId),
    lastMessage: preview,
    lastMessageTime: preview ? preview.createdAt : null,
    lastSeq: conversation.lastSeq,
    unreadCount: member.unreadCount,
    readSeq: member.readSeq,
  };
}

import type { ConversationId, UserId } from '../ids';
import { otherParticipant } from '../ids';
import { GROUP_LIVE_SIGNALS_MAX_MEMBERS } from '../limits';
import {
  memberState,
  roleOf,
  type Conversation,
  type ConversationKind,
  type MemberRole,
  type MessagePreview,
  type Pin,
} from './conversation.types';
import type { Membership } from './membership.types';

export type { ConversationKind };

/** A conversation as one participant sees it (the seed's conversation list entry, plus more). */
export interface ConversationView {
  readonly conversationId: ConversationId;
  readonly kind: ConversationKind;
  /** Null in a DIRECT conversation (it is named after the other person). */
  readonly title: string | null;
  readonly memberCount: number;
  /** DIRECT: the other person. Null in a group. */
  readonly otherUserId: UserId | null;
  readonly lastMessage: MessagePreview | null;
  readonly lastMessageTime: Date | null;
  readonly lastSeq: number;
  readonly unreadCount: number;
  readonly readSeq: number;
  readonly viewerRole: MemberRole | null;
  /** Read receipts and typing indicators reach members (off in groups above the size limit). */
  readonly liveSignals: boolean;
  /** Messages up to this seq are not the member's to see (before they joined, or cleared by them). */
  readonly floorSeq: number;
  /** The conversation's changes so far (timeline/): with lastSeq, where its event stream stands. */
  readonly eventSeq: number;
  /** Pins of messages the member can see, oldest pin first. */
  readonly pins: readonly Pin[];
  /** DIRECT: a block either way stops sends, typing, presence and receipts between the two. */
  readonly blocked: boolean;
  /** DIRECT: the viewer is the one blocking (they can lift it). */
  readonly blockedByViewer: boolean;
}

/** A DIRECT conversation as `userId` sees it (its per-member state is in the document). */
export function viewFor(conversation: Conversation, userId: UserId): ConversationView {
  const member = memberState(conversation, userId);
  return {
    ...common(conversation, userId, member.clearedSeq),
    otherUserId: otherParticipant(conversation.id, userId),
    unreadCount: member.unreadCount,
    readSeq: member.readSeq,
  };
}

/** A group as one of its members sees it, with their record and their unread count (unread.ts). */
export function groupViewFor(
  conversation: Conversation,
  userId: UserId,
  membership: Membership | null,
  unreadCount: number,
): ConversationView {
  return {
    ...common(conversation, userId, visibleFloor(membership)),
    otherUserId: null,
    unreadCount,
    readSeq: membership?.read.seq ?? conversation.lastSeq,
  };
}

/** A group member sees messages from the one that added them on, and nothing they cleared. */
export function visibleFloor(membership: Membership | null): number {
  if (!membership) return Number.MAX_SAFE_INTEGER;
  return Math.max(membership.joinedSeq - 1, membership.clearedSeq);
}

/** Hidden (deleteConversation) until a message newer than what they cleared arrives. */
export function hiddenFor(conversation: Conversation, membership: Membership | null): boolean {
  return membership !== null && membership.hidden && (conversation.lastMessage?.seq ?? 0) <= membership.clearedSeq;
}

function common(conversation: Conversation, userId: UserId, floorSeq: number) {
  // History hidden by deleteConversation (or from before a member joined) stays hidden in the preview too.
  const preview = conversation.lastMessage && conversation.lastMessage.seq > floorSeq ? conversation.lastMessage : null;
  return {
    conversationId: conversation.id,
    kind: conversation.kind,
    title: conversation.group?.title ?? null,
    memberCount: conversation.participants.length,
    lastMessage: preview,
    lastMessageTime: preview ? preview.createdAt : null,
    lastSeq: conversation.lastSeq,
    viewerRole: roleOf(conversation, userId),
    liveSignals: conversation.participants.length <= GROUP_LIVE_SIGNALS_MAX_MEMBERS,
    floorSeq,
    eventSeq: conversation.eventSeq,
    pins: conversation.pins.filter((pin) => pin.seq > floorSeq),
    blocked: conversation.blockedBy.length > 0,
    blockedByViewer: conversation.blockedBy.includes(userId),
  };
}

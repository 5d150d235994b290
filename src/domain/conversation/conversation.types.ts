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

/** A pinned message, as the conversation lists it (newest pin last). */
export interface Pin {
  readonly messageId: string;
  readonly seq: number;
  readonly pinnedAt: Date;
  readonly pinnedBy: UserId;
}

export type ConversationKind = 'DIRECT' | 'GROUP';
export type MemberRole = 'OWNER' | 'ADMIN' | 'MEMBER';

/**
 * What only a group has. Membership, roles and title are decided under the conversation's lease
 * (group.roster.ts), so they live in the document the lease guards; per-member state that moves
 * on its own (read position, cleared marker) lives in member records (membership.types.ts).
 */
export interface GroupState {
  readonly title: string;
  readonly createdBy: UserId;
  /** OWNER and ADMIN members; everyone else in `participants` is a MEMBER. */
  readonly roles: Readonly<Record<string, 'OWNER' | 'ADMIN'>>;
  /** Membership changes so far; every group event carries it, so a subscriber can tell a stale roster. */
  readonly memberVersion: number;
  /**
   * Messages that count as unread for someone (everything but SYSTEM), ever recorded here,
   * deleted ones included. A member's unread count is `tally` minus the tally at their read
   * position minus the deletions after it (unread.ts): exact without a write per member.
   */
  readonly tally: number;
  /** Seqs of counted messages deleted since `deletionsFloor`, ascending. */
  readonly deletions: readonly number[];
  /** Deletions at or below this seq were dropped from `deletions` (then counted from messages). */
  readonly deletionsFloor: number;
}

export interface Conversation {
  readonly id: ConversationId;
  readonly kind: ConversationKind;
  /** DIRECT: the pair, sorted. GROUP: the current members in join order. */
  readonly participants: readonly UserId[];
  readonly group: GroupState | null;
  readonly lastMessage: MessagePreview | null;
  readonly lastMessageTime: Date | null;
  /** Last message or (re)start; the conversation list is ordered by it. */
  readonly lastActivityAt: Date;
  /**
   * Highest `seq` recorded in this document. A message stored with a higher `seq` belongs to a
   * writer that stalled or died before recording it; the next writer folds it in (message.writer.ts).
   */
  readonly lastSeq: number;
  /**
   * Events recorded in the conversation's timeline (edits, reactions, deletes, pins), each with
   * its own position 1, 2, 3 ... (timeline/). Messages are positioned by `lastSeq`.
   */
  readonly eventSeq: number;
  /** At most MAX_PINS_PER_CONVERSATION, oldest pin first. */
  readonly pins: readonly Pin[];
  /** Fence of the last lease that wrote this document (0 before any). */
  readonly fence: number;
  /**
   * Writes this document has had. With `fence` it orders writes: the store keeps the write with
   * the higher (fence, version), so a writer whose lease was overtaken cannot overwrite its
   * successor (see {@link stampFor}).
   */
  readonly version: number;
  /** DIRECT only: both participants' state. A group's is in member records. */
  readonly members: Readonly<Record<string, MemberState>>;
  /**
   * DIRECT only: the participants who block the other (blocking/). Kept in the document the
   * lease guards, so a send admitted under the lease sees a block the moment it is stored.
   */
  readonly blockedBy: readonly UserId[];
}

export function isMember(conversation: Conversation, userId: UserId): boolean {
  return conversation.participants.includes(userId);
}

export function roleOf(conversation: Conversation, userId: UserId): MemberRole | null {
  if (!isMember(conversation, userId)) return null;
  if (conversation.kind === 'DIRECT') return 'MEMBER';
  return conversation.group?.roles[userId] ?? 'MEMBER';
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
 * A write of a conversation document under a lease: the whole document as the writer computed
 * it from `base` (what it read under the lease), so applying it twice changes nothing. It applies
 * only while no write with a higher (fence, version) reached the document first.
 */
export interface ConversationWrite {
  readonly lease: ConversationLease;
  /** The document the writer read; null when the conversation did not exist yet. */
  readonly base: Conversation | null;
  /** The document after the write, stamped by {@link stampFor}. */
  readonly next: Conversation;
}

/**
 * The (fence, version) a write under `lease` carries: the lease's fence (the stored one when the
 * lease store was unreachable and the lease has none) and one more than the version it read.
 */
export function stampFor(base: Conversation | null, lease: ConversationLease): { fence: number; version: number } {
  return { fence: lease.fence ?? base?.fence ?? 0, version: (base?.version ?? 0) + 1 };
}

/**
 * Conversation documents. Every write takes the conversation's lease (see conversation.lease.ts):
 * FerretDB v1 applies an update as read + replace of the whole document, so two writers at once
 * would lose one's changes (measured: 200 concurrent `$inc` ended at 1-5). A write whose lease has
 * been overtaken by a newer one is refused: `record` reports it, the others throw
 * SERVICE_UNAVAILABLE. Each method is one document write whatever it changes.
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
  /**
   * Adds (`blocks`) or removes `blockerId` in a DIRECT conversation's `blockedBy`. A conversation
   * that does not exist yet is created hidden for both, so the block has a document to live in.
   */
  setBlock(
    lease: ConversationLease,
    participants: readonly [UserId, UserId],
    blockerId: UserId,
    blocks: boolean,
  ): Promise<Conversation>;
  /** The DIRECT conversations in which `userId` blocks the other participant. */
  listBlockedBy(userId: UserId): Promise<Conversation[]>;
  /**
   * Reads the conversation and writes what `change` makes of it (null: nothing to write).
   * Returns the document as it now is; null when there is no such conversation.
   */
  change(lease: ConversationLease, change: (base: Conversation) => Conversation | null): Promise<Conversation | null>;
}

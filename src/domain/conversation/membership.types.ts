import type { ConversationId, UserId } from '../ids';

/** A position in a group: a seq and the group's unread tally once everything up to it was recorded. */
export interface TallyMark {
  readonly seq: number;
  readonly tally: number;
}

/**
 * One member's own state in a group, in its own record (`memberships`, one per member), so a
 * send writes no record per member: a member's unread count is computed from their read mark
 * and the group's tally (unread.ts).
 */
export interface Membership {
  readonly conversationId: ConversationId;
  readonly userId: UserId;
  readonly joinedAt: Date;
  /** The seq of the SYSTEM message that added them; they see only what came after. */
  readonly joinedSeq: number;
  /** Read position: moved by reads, by their own sends, and by hiding the conversation. */
  readonly read: TallyMark;
  /** History up to here is hidden for them (deleteConversation). */
  readonly clearedSeq: number;
  /** Hidden from their list until a message newer than `clearedSeq` arrives. */
  readonly hidden: boolean;
}

/** What a writer does to member records, in the order it happened. */
export type MembershipWrite =
  | { readonly op: 'join'; readonly membership: Membership }
  | { readonly op: 'leave'; readonly conversationId: ConversationId; readonly userId: UserId }
  /** Moves the read mark forward only (a higher seq wins), never back. */
  | { readonly op: 'read'; readonly conversationId: ConversationId; readonly userId: UserId; readonly read: TallyMark }
  | {
      readonly op: 'hide';
      readonly conversationId: ConversationId;
      readonly userId: UserId;
      readonly read: TallyMark;
      readonly clearedSeq: number;
    };

/**
 * Member records. Written only under the conversation's lease (FerretDB applies an update as read
 * + replace, so two writers at once would lose one), by the message writer and by reads and hides.
 */
export interface MembershipRepository {
  find(conversationId: ConversationId, userId: UserId): Promise<Membership | null>;
  /** The records of these users in these conversations, keyed `"<conversationId>|<userId>"`. */
  findFor(userId: UserId, conversationIds: readonly ConversationId[]): Promise<Map<ConversationId, Membership>>;
  /** A page of a group's records in join order (then user id), after `after`. */
  page(conversationId: ConversationId, after: MemberCursor | null, limit: number): Promise<Membership[]>;
  /** Every record of a group (receipts of small groups). */
  all(conversationId: ConversationId): Promise<Membership[]>;
  apply(writes: readonly MembershipWrite[]): Promise<void>;
}

/** Where a page of members ended. */
export interface MemberCursor {
  readonly joinedSeq: number;
  readonly userId: UserId;
}

export const membershipKey = (conversationId: ConversationId, userId: UserId) => `${conversationId}|${userId}`;

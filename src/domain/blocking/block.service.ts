import type { ConversationAccess } from '../conversation/conversation.access';
import { withLease, type ConversationLeases } from '../conversation/conversation.lease';
import type { ConversationRepository } from '../conversation/conversation.types';
import { ChatError } from '../errors';
import { otherParticipant, parseUserId, type UserId } from '../ids';
import type { RateLimiter } from '../rate-limit';
import { NO_DETAILS, type UserJournal } from '../timeline/user-journal';

/**
 * Blocking between two users. A block lives in their DIRECT conversation's document, written
 * under its lease: every send is admitted under that lease against the document as stored, so
 * once `block` returns no instance stores another message between them, with no cache to expire.
 * Typing, presence and read receipts consult the same documents when they are published.
 */
export class BlockService {
  constructor(
    private readonly access: ConversationAccess,
    private readonly conversations: ConversationRepository,
    private readonly leases: ConversationLeases,
    private readonly rateLimiter: RateLimiter,
    private readonly journal: UserJournal,
  ) {}

  /** The caller blocks `userId` (idempotent). NOT_FOUND for an unknown user, BAD_USER_INPUT for oneself. */
  block(userId: UserId, target: unknown): Promise<boolean> {
    return this.set(userId, target, true);
  }

  /** Lifts the caller's own block of `userId` (idempotent; the other side's block, if any, stays). */
  unblock(userId: UserId, target: unknown): Promise<boolean> {
    return this.set(userId, target, false);
  }

  /** Whom the caller blocks, in the order their conversations come back. */
  async blockedUserIds(userId: UserId): Promise<UserId[]> {
    const conversations = await this.conversations.listBlockedBy(userId);
    return conversations.map((conversation) => otherParticipant(conversation.id, userId));
  }

  private async set(userId: UserId, target: unknown, blocks: boolean): Promise<boolean> {
    await this.rateLimiter.consume(userId, 'change');
    const targetId = parseUserId(target, 'userId');
    if (targetId === userId) throw ChatError.badInput('You cannot block yourself', 'userId');
    const { conversationId } = await this.access.withUser(userId, targetId);
    await withLease(this.leases, conversationId, (lease) =>
      this.conversations.setBlock(lease, [userId, targetId], userId, blocks),
    );
    // The blocker's own devices learn it; the blocked person learns nothing.
    await this.journal.record([userId], {
      ...NO_DETAILS,
      type: blocks ? 'BLOCKED' : 'UNBLOCKED',
      conversationId,
      actorId: userId,
      occurredAt: new Date(),
      userIds: [targetId],
    });
    return true;
  }
}

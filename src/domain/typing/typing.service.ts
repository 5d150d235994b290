import type { ConversationAccess } from '../conversation/conversation.access';
import { ChatError } from '../errors';
import type { EventPublisher } from '../events';
import type { UserId } from '../ids';
import type { RateLimiter } from '../rate-limit';

export class TypingService {
  constructor(
    private readonly access: ConversationAccess,
    private readonly publisher: EventPublisher,
    private readonly rateLimiter: RateLimiter,
  ) {}

  /** Tells the target's devices the caller is (not) typing. Ephemeral: never stored or replayed. */
  async setTyping(userId: UserId, targetUserId: unknown, isTyping: unknown): Promise<boolean> {
    await this.rateLimiter.consume(userId, 'typing');
    if (typeof isTyping !== 'boolean') throw ChatError.badInput('isTyping must be true or false', 'isTyping');
    const { conversationId, targetId } = await this.access.withUser(userId, targetUserId);
    await this.publisher.publish({ kind: 'TYPING', conversationId, userId, targetUserId: targetId, isTyping });
    return true;
  }
}

import type { ConversationAccess, ConversationTarget } from '../conversation/conversation.access';
import type { ConversationRepository } from '../conversation/conversation.types';
import { GROUP_LIVE_SIGNALS_MAX_MEMBERS } from '../limits';
import { ChatError } from '../errors';
import type { EventPublisher } from '../events';
import type { UserId } from '../ids';
import type { RateLimiter } from '../rate-limit';

export class TypingService {
  constructor(
    private readonly access: ConversationAccess,
    private readonly conversations: ConversationRepository,
    private readonly publisher: EventPublisher,
    private readonly rateLimiter: RateLimiter,
  ) {}

  /**
   * Tells the other person's devices (in a group, every member's) the caller is (not) typing.
   * Ephemeral: never stored or replayed. False, and nothing sent, in a group above
   * GROUP_LIVE_SIGNALS_MAX_MEMBERS (`Conversation.typingEnabled` says so), and in a DIRECT
   * conversation with a block either way (read from the document each time, so at once).
   */
  async setTyping(userId: UserId, target: ConversationTarget, isTyping: unknown): Promise<boolean> {
    await this.rateLimiter.consume(userId, 'typing');
    if (typeof isTyping !== 'boolean') throw ChatError.badInput('isTyping must be true or false', 'isTyping');
    const resolved = await this.access.resolve(userId, target);
    const { conversationId } = resolved;
    if (resolved.kind === 'DIRECT') {
      if ((await this.conversations.findById(conversationId))?.blockedBy.length) return false;
      await this.publisher.publish({
        kind: 'TYPING',
        conversationId,
        userId,
        targetUserId: resolved.otherId,
        isTyping,
      });
      return true;
    }
    const { conversation } = resolved;
    if (conversation.participants.length > GROUP_LIVE_SIGNALS_MAX_MEMBERS) return false;
    const memberVersion = conversation.group?.memberVersion ?? 0;
    await this.publisher.publish({
      kind: 'TYPING',
      conversationId,
      userId,
      targetUserId: null,
      isTyping,
      memberVersion,
    });
    return true;
  }
}

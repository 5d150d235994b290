import { ChatError } from '../errors';
import { otherParticipant, type UserId } from '../ids';
import type { Conversation } from '../conversation/conversation.types';

/**
 * Why `userId` may not send (or start a chat, or type) in this DIRECT conversation, or null.
 * Both sides get BLOCKED; only the message tells the blocker it is their own block.
 */
export function blockRefusal(conversation: Conversation | null, userId: UserId): ChatError | null {
  if (!conversation || conversation.blockedBy.length === 0) return null;
  if (conversation.blockedBy.includes(userId)) {
    return new ChatError('BLOCKED', 'You blocked this user; unblock them to send messages', { blockedByYou: true });
  }
  return new ChatError('BLOCKED', 'This user does not accept messages from you', { blockedByYou: false });
}

/**
 * Users `userId` has a block with, in either direction, from their DIRECT conversations: the ones
 * no typing, presence or read receipt may pass to or from.
 */
export function blockedPeers(conversations: readonly Conversation[], userId: UserId): Set<UserId> {
  const peers = new Set<UserId>();
  for (const conversation of conversations) {
    if (conversation.kind === 'DIRECT' && conversation.blockedBy.length > 0)
      peers.add(otherParticipant(conversation.id, userId));
  }
  return peers;
}

import { ChatError } from '../errors';
import { conversationIdFor, parseConversationId, parseUserId, type ConversationId, type UserId } from '../ids';
import type { UserRepository } from '../user/user.types';

/** Resolves which conversation a request is about, and refuses the ones the caller is not part of. */
export class ConversationAccess {
  constructor(private readonly users: UserRepository) {}

  /** The caller's conversation with `targetUserId`: a valid id, not the caller, an existing user. */
  async withUser(caller: UserId, targetUserId: unknown): Promise<{ conversationId: ConversationId; targetId: UserId }> {
    const targetId = parseUserId(targetUserId, 'targetUserId');
    if (targetId === caller) throw ChatError.badInput('targetUserId must be another user', 'targetUserId');
    if (!(await this.users.findById(targetId))) throw ChatError.notFound(`No user ${targetId} exists`);
    return { conversationId: conversationIdFor(caller, targetId), targetId };
  }

  /** A conversation id the caller takes part in; FORBIDDEN for anyone else's. */
  asParticipant(caller: UserId, conversationId: unknown): { conversationId: ConversationId; otherId: UserId } {
    const { id, participants } = parseConversationId(conversationId, 'conversationId');
    if (!participants.includes(caller)) throw ChatError.forbidden('You are not a participant of this conversation');
    return { conversationId: id, otherId: participants[0] === caller ? participants[1] : participants[0] };
  }
}

import { ChatError } from '../errors';
import { conversationIdFor, parseConversationId, parseUserId, type ConversationId, type UserId } from '../ids';
import type { UserRepository } from '../user/user.types';

/** How long a user seen to exist is trusted without asking again. @default 60 s */
const KNOWN_USER_TTL_MS = 60_000;
/** Bound on remembered users (oldest forgotten first). @default 50,000 */
const KNOWN_USERS_MAX = 50_000;

/** Resolves which conversation a request is about, and refuses the ones the caller is not part of. */
export class ConversationAccess {
  /**
   * Users recently seen to exist, with when. Every send checks its receiver; the main app does not
   * delete users mid-conversation, so a positive answer is reused for a minute (a missing user is
   * asked again every time, so a user created a moment ago is found at once).
   */
  private readonly knownUsers = new Map<UserId, number>();

  constructor(
    private readonly users: UserRepository,
    private readonly now: () => number = Date.now,
  ) {}

  /** The caller's conversation with `targetUserId`: a valid id, not the caller, an existing user. */
  async withUser(caller: UserId, targetUserId: unknown): Promise<{ conversationId: ConversationId; targetId: UserId }> {
    const targetId = parseUserId(targetUserId, 'targetUserId');
    if (targetId === caller) throw ChatError.badInput('targetUserId must be another user', 'targetUserId');
    if (!(await this.userExists(targetId))) throw ChatError.notFound(`No user ${targetId} exists`);
    return { conversationId: conversationIdFor(caller, targetId), targetId };
  }

  private async userExists(userId: UserId): Promise<boolean> {
    const seenAt = this.knownUsers.get(userId);
    if (seenAt !== undefined && this.now() - seenAt < KNOWN_USER_TTL_MS) return true;
    if (!(await this.users.findById(userId))) return false;
    this.knownUsers.delete(userId); // re-insert at the end: the Map's order is the eviction order
    this.knownUsers.set(userId, this.now());
    if (this.knownUsers.size > KNOWN_USERS_MAX) this.knownUsers.delete(this.knownUsers.keys().next().value!);
    return true;
  }

  /** A conversation id the caller takes part in; FORBIDDEN for anyone else's. */
  asParticipant(caller: UserId, conversationId: unknown): { conversationId: ConversationId; otherId: UserId } {
    const { id, participants } = parseConversationId(conversationId, 'conversationId');
    if (!participants.includes(caller)) throw ChatError.forbidden('You are not a participant of this conversation');
    return { conversationId: id, otherId: participants[0] === caller ? participants[1] : participants[0] };
  }
}

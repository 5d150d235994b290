import { ChatError } from '../errors';
import {
  conversationIdFor,
  parseConversationId,
  parseConversationRef,
  parseUserId,
  type ConversationId,
  type UserId,
} from '../ids';
import type { UserRepository } from '../user/user.types';
import { isMember, type Conversation, type ConversationRepository } from './conversation.types';

/** Which conversation a request names: `targetUserId` (DIRECT) or `conversationId` (either kind). */
export interface ConversationTarget {
  readonly targetUserId?: unknown;
  readonly conversationId?: unknown;
}

/** A conversation the caller may use, resolved from a {@link ConversationTarget}. */
export type ResolvedConversation =
  | { readonly kind: 'DIRECT'; readonly conversationId: ConversationId; readonly otherId: UserId }
  /** `conversation` as read just now: the caller is among its members. */
  | { readonly kind: 'GROUP'; readonly conversationId: ConversationId; readonly conversation: Conversation };

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
    private readonly conversations: ConversationRepository,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The conversation a request names, for its members only. Exactly one of `targetUserId` and
   * `conversationId`. A group's membership is read from its document on every call, so a removed
   * member is refused at once on every instance.
   */
  async resolve(caller: UserId, target: ConversationTarget): Promise<ResolvedConversation> {
    const byUser = target.targetUserId !== undefined && target.targetUserId !== null;
    const byId = target.conversationId !== undefined && target.conversationId !== null;
    if (byUser === byId)
      throw ChatError.badInput('Pass exactly one of targetUserId and conversationId', 'conversationId');
    if (byUser) {
      const { conversationId, targetId } = await this.withUser(caller, target.targetUserId);
      return { kind: 'DIRECT', conversationId, otherId: targetId };
    }
    const ref = parseConversationRef(target.conversationId, 'conversationId');
    if (ref.kind === 'DIRECT') return { kind: 'DIRECT', ...this.asParticipant(caller, ref.id) };
    return { kind: 'GROUP', conversationId: ref.id, conversation: await this.groupMember(caller, ref.id) };
  }

  /** The group as stored now; NOT_FOUND when there is none, FORBIDDEN when the caller is not a member. */
  async groupMember(caller: UserId, conversationId: ConversationId): Promise<Conversation> {
    const conversation = await this.conversations.findById(conversationId);
    if (!conversation || conversation.kind !== 'GROUP') throw ChatError.notFound('There is no such group');
    if (!isMember(conversation, caller)) throw ChatError.forbidden('You are not a member of this group');
    return conversation;
  }

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

import type { VisibleRange } from '../message/message.repository';
import type { UserId } from '../ids';
import type { ConversationAccess, ConversationTarget, ResolvedConversation } from './conversation.access';
import { memberState, type ConversationRepository } from './conversation.types';
import { visibleFloor } from './conversation.view';
import type { MembershipRepository } from './membership.types';

/** A conversation the caller may use, with what of it they can see. */
export type VisibleConversation = ResolvedConversation & { readonly range: VisibleRange };

/**
 * What part of a conversation a member sees: in a group, from the message that added them on;
 * in either kind, nothing they cleared (deleteConversation).
 */
export class ConversationVisibility {
  constructor(
    private readonly access: ConversationAccess,
    private readonly conversations: ConversationRepository,
    private readonly memberships: MembershipRepository,
  ) {}

  async resolve(userId: UserId, target: ConversationTarget): Promise<VisibleConversation> {
    const resolved = await this.access.resolve(userId, target);
    const { conversationId } = resolved;
    if (resolved.kind === 'GROUP') {
      const floorSeq = visibleFloor(await this.memberships.find(conversationId, userId));
      return { ...resolved, range: { conversationId, floorSeq, topSeq: resolved.conversation.lastSeq } };
    }
    const conversation = await this.conversations.findById(conversationId);
    const floorSeq = memberState(conversation, userId).clearedSeq;
    return { ...resolved, range: { conversationId, floorSeq, topSeq: conversation?.lastSeq ?? 0 } };
  }

  async range(userId: UserId, target: ConversationTarget): Promise<VisibleRange> {
    return (await this.resolve(userId, target)).range;
  }

  /**
   * Every conversation of the user, hidden ones included, with what they see of each and how far
   * its changes go (`eventSeq`).
   */
  async allRanges(userId: UserId): Promise<Array<VisibleRange & { readonly eventSeq: number }>> {
    const conversations = await this.conversations.listAllFor(userId);
    const groups = conversations.filter((conversation) => conversation.kind === 'GROUP').map((group) => group.id);
    const records = groups.length > 0 ? await this.memberships.findFor(userId, groups) : new Map();
    return conversations.map((conversation) => ({
      conversationId: conversation.id,
      topSeq: conversation.lastSeq,
      eventSeq: conversation.eventSeq,
      floorSeq:
        conversation.kind === 'GROUP'
          ? visibleFloor(records.get(conversation.id) ?? null)
          : memberState(conversation, userId).clearedSeq,
    }));
  }
}

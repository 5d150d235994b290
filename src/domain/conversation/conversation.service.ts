import { ChatError } from '../errors';
import type { EventPublisher } from '../events';
import { parseMessageId, type ConversationId, type UserId } from '../ids';
import { MAX_MARK_IDS } from '../limits';
import type { MessageRepository } from '../message/message.repository';
import { clampLimit } from '../message/message.rules';
import type { ConversationAccess } from './conversation.access';
import { withLease, type ConversationLeases } from './conversation.lease';
import { memberState, type ConversationRepository } from './conversation.types';
import { viewFor, type ConversationView } from './conversation.view';

/** What `markAsRead` answers and `messagesRead` delivers. */
export interface MessagesRead {
  readonly conversationId: ConversationId;
  readonly messageIds: readonly string[];
  readonly readAt: Date;
  readonly readerId: UserId;
}

export class ConversationService {
  constructor(
    private readonly conversations: ConversationRepository,
    private readonly messages: MessageRepository,
    private readonly access: ConversationAccess,
    private readonly leases: ConversationLeases,
    private readonly publisher: EventPublisher,
  ) {}

  /** The caller's visible conversations, newest activity first, at most `limit` (clamped to 1..100). */
  async list(userId: UserId, limit: unknown): Promise<ConversationView[]> {
    const conversations = await this.conversations.listVisibleFor(userId, clampLimit(limit, 'limit'));
    return conversations.map((conversation) => viewFor(conversation, userId));
  }

  /**
   * One conversation by id, for its participants only (FORBIDDEN for anyone else's, NOT_FOUND
   * when it was never started). One the caller hid is still answered: asked by id, it is known.
   */
  async get(userId: UserId, conversationIdInput: unknown): Promise<ConversationView> {
    const { conversationId } = this.access.asParticipant(userId, conversationIdInput);
    const conversation = await this.conversations.findById(conversationId);
    if (!conversation) throw ChatError.notFound('There is no such conversation');
    return viewFor(conversation, userId);
  }

  /** Creates or reopens the conversation with `targetUserId` and tells the other user (chatStarted). */
  async start(userId: UserId, targetUserId: unknown): Promise<ConversationView> {
    const { conversationId, targetId } = await this.access.withUser(userId, targetUserId);
    await withLease(this.leases, conversationId, (lease) => this.conversations.open(lease, [userId, targetId], userId));
    await this.publisher.publish({ kind: 'CHAT_STARTED', conversationId, initiatorId: userId, targetId });
    const conversation = await this.conversations.findById(conversationId);
    if (!conversation) throw new Error(`Conversation ${conversationId} missing right after opening it`);
    return viewFor(conversation, userId);
  }

  /** Ends the chat session (the seed's end_chat): both users hear chatEnded. History is kept. */
  async end(userId: UserId, targetUserId: unknown): Promise<boolean> {
    const { conversationId, targetId } = await this.access.withUser(userId, targetUserId);
    await this.publisher.publish({ kind: 'CHAT_ENDED', conversationId, userId, otherUserId: targetId });
    return true;
  }

  /** Hides the conversation and its history for the caller only; a later message brings it back. */
  async hide(userId: UserId, targetUserId: unknown): Promise<boolean> {
    const { conversationId } = await this.access.withUser(userId, targetUserId);
    if (!(await this.conversations.findById(conversationId)))
      throw ChatError.notFound('There is no conversation with this user');
    await withLease(this.leases, conversationId, async (lease) => {
      const conversation = await this.conversations.findById(conversationId);
      if (conversation) await this.conversations.hideFor(lease, userId, conversation.lastSeq);
    });
    return true;
  }

  /**
   * Marks messages the caller received as read: the given ids, or all unread ones. Moves the read
   * position, fixes the unread count by what actually changed, and tells the sender (messagesRead).
   */
  async markAsRead(userId: UserId, conversationIdInput: unknown, messageIds: unknown): Promise<MessagesRead> {
    const { conversationId, otherId } = this.access.asParticipant(userId, conversationIdInput);
    const ids = parseMessageIds(messageIds);
    return (await this.markRead(userId, conversationId, otherId, ids === null ? {} : { ids })).read;
  }

  /** Marks everything the caller received from `targetUserId` as read; returns how many changed. */
  async markConversationRead(userId: UserId, targetUserId: unknown): Promise<number> {
    const { conversationId, targetId } = await this.access.withUser(userId, targetUserId);
    return (await this.markRead(userId, conversationId, targetId, {})).changed;
  }

  /** Unread messages across the caller's visible conversations. */
  async unreadCount(userId: UserId): Promise<number> {
    const conversations = await this.conversations.listAllFor(userId);
    return conversations.reduce((sum, conversation) => sum + memberState(conversation, userId).unreadCount, 0);
  }

  private async markRead(
    userId: UserId,
    conversationId: ConversationId,
    otherId: UserId,
    only: { ids?: readonly string[] },
  ): Promise<{ read: MessagesRead; changed: number }> {
    const readAt = new Date();
    const marked = await withLease(this.leases, conversationId, async (lease) => {
      const conversation = await this.conversations.findById(conversationId);
      if (!conversation) return { unread: [], changed: 0 };
      const floorSeq = memberState(conversation, userId).clearedSeq;
      // Only what the document counts (seq <= lastSeq): a message a stalled writer left above it
      // is counted, unread, when the next writer folds it in.
      const unread = await this.messages.unreadFor({ conversationId, floorSeq }, userId, conversation.lastSeq, only);
      const changed = await this.messages.markRead(
        conversationId,
        unread.map((message) => message.id),
        readAt,
      );
      const readSeq = only.ids ? Math.max(0, ...unread.map((message) => message.seq)) : conversation.lastSeq;
      await this.conversations.markRead(lease, userId, readSeq, changed);
      return { unread, changed };
    });
    const { unread, changed } = marked;
    const messageIds = unread.map((message) => message.id);
    if (messageIds.length > 0) {
      await this.publisher.publish({
        kind: 'MESSAGES_READ',
        conversationId,
        messageIds,
        readAt: readAt.toISOString(),
        readerId: userId,
        senderId: otherId,
      });
    }
    return { read: { conversationId, messageIds, readAt, readerId: userId }, changed };
  }
}

function parseMessageIds(value: unknown): string[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || value.length > MAX_MARK_IDS) {
    throw ChatError.badInput(`messageIds must be a list of at most ${MAX_MARK_IDS} message ids`, 'messageIds');
  }
  return [...new Set(value.map((id: unknown) => parseMessageId(id, 'messageIds')))];
}

import { blockRefusal } from '../blocking/block.rules';
import { ChatError } from '../errors';
import type { EventPublisher } from '../events';
import type { RateLimiter } from '../rate-limit';
import { NO_DETAILS, type NewJournalEntry, type UserJournal } from '../timeline/user-journal';
import { isGroupConversationId, parseMessageId, type ConversationId, type UserId } from '../ids';
import { GROUP_LIVE_SIGNALS_MAX_MEMBERS, MAX_MARK_IDS } from '../limits';
import type { MessageRepository } from '../message/message.repository';
import { clampLimit } from '../message/message.rules';
import type { ConversationAccess, ConversationTarget } from './conversation.access';
import { withLease, type ConversationLeases } from './conversation.lease';
import { memberState, type Conversation, type ConversationRepository } from './conversation.types';
import { groupViewFor, hiddenFor, viewFor, type ConversationView } from './conversation.view';
import type { Membership, MembershipRepository, TallyMark } from './membership.types';
import { groupUnread } from './unread';

/** What `markAsRead` answers and `messagesRead` delivers. */
export interface MessagesRead {
  readonly conversationId: ConversationId;
  readonly messageIds: readonly string[];
  readonly readAt: Date;
  readonly readerId: UserId;
  /** How far the reader has now read. */
  readonly readSeq: number;
}

/** A small group's read marks, for receipts (null above GROUP_LIVE_SIGNALS_MAX_MEMBERS). */
export interface GroupReadMarks {
  readonly members: readonly Membership[];
}

/** Times the list is asked again with a larger page when hidden groups filled it. @default 3 */
const LIST_REFILLS = 3;

export class ConversationService {
  constructor(
    private readonly conversations: ConversationRepository,
    private readonly memberships: MembershipRepository,
    private readonly messages: MessageRepository,
    private readonly access: ConversationAccess,
    private readonly leases: ConversationLeases,
    private readonly publisher: EventPublisher,
    private readonly journal: UserJournal,
    private readonly rateLimiter: RateLimiter,
  ) {}

  /**
   * The caller's visible conversations, newest activity first, at most `limit` (clamped to
   * 1..100): one query for the documents, one `_id` lookup per group for the caller's record.
   * `hideBlocked` leaves out DIRECT conversations with someone the caller blocks.
   */
  async list(userId: UserId, limit: unknown, options: { hideBlocked?: boolean } = {}): Promise<ConversationView[]> {
    const wanted = clampLimit(limit, 'limit');
    let asked = wanted;
    for (let round = 0; ; round += 1) {
      const conversations = await this.conversations.listVisibleFor(userId, asked);
      const views = (await this.views(userId, conversations)).filter(
        (view): view is ConversationView => view !== null && !(options.hideBlocked && view.blockedByViewer),
      );
      // A hidden group is filtered here, not by the query (its marker is in the member record).
      if (views.length >= wanted || conversations.length < asked || round === LIST_REFILLS)
        return views.slice(0, wanted);
      asked *= 2;
    }
  }

  /**
   * One conversation by id, for its members only (FORBIDDEN for anyone else's, NOT_FOUND when it
   * was never started). One the caller hid is still answered: asked by id, it is known.
   */
  async get(userId: UserId, conversationIdInput: unknown): Promise<ConversationView> {
    const resolved = await this.access.resolve(userId, { conversationId: conversationIdInput });
    if (resolved.kind === 'GROUP') return this.groupView(userId, resolved.conversation);
    const conversation = await this.conversations.findById(resolved.conversationId);
    if (!conversation) throw ChatError.notFound('There is no such conversation');
    return viewFor(conversation, userId);
  }

  /** Creates or reopens the conversation with `targetUserId` and tells the other user (chatStarted); reopens a group for the caller. */
  async start(userId: UserId, target: ConversationTarget): Promise<ConversationView> {
    await this.rateLimiter.consume(userId, 'chat');
    const resolved = await this.access.resolve(userId, target);
    if (resolved.kind === 'GROUP') {
      await this.unhideGroup(userId, resolved.conversation);
      return this.groupView(userId, resolved.conversation);
    }
    const { conversationId, otherId } = resolved;
    if (target.targetUserId == null) await this.access.withUser(userId, otherId);
    await withLease(this.leases, conversationId, async (lease) => {
      const refusal = blockRefusal(await this.conversations.findById(conversationId), userId);
      if (refusal) throw refusal;
      await this.conversations.open(lease, [userId, otherId], userId);
    });
    await this.publisher.publish({ kind: 'CHAT_STARTED', conversationId, initiatorId: userId, targetId: otherId });
    await this.journal.record([userId, otherId], {
      ...NO_DETAILS,
      type: 'CHAT_STARTED',
      conversationId,
      actorId: userId,
      occurredAt: new Date(),
    });
    const conversation = await this.conversations.findById(conversationId);
    if (!conversation) throw new Error(`Conversation ${conversationId} missing right after opening it`);
    return viewFor(conversation, userId);
  }

  /** Ends the chat session (the seed's end_chat): both users hear chatEnded; in a group, the caller's devices. History is kept. */
  async end(userId: UserId, target: ConversationTarget): Promise<boolean> {
    await this.rateLimiter.consume(userId, 'chat');
    const resolved = await this.access.resolve(userId, target);
    const otherUserId = resolved.kind === 'DIRECT' ? resolved.otherId : userId;
    await this.publisher.publish({ kind: 'CHAT_ENDED', conversationId: resolved.conversationId, userId, otherUserId });
    // Stored for the other person only where a chat with them may go on: not across a block.
    const blocked =
      resolved.kind === 'DIRECT' &&
      ((await this.conversations.findById(resolved.conversationId))?.blockedBy.length ?? 0) > 0;
    await this.journal.record(blocked ? [userId] : [userId, otherUserId], {
      ...NO_DETAILS,
      type: 'CHAT_ENDED',
      conversationId: resolved.conversationId,
      actorId: userId,
      occurredAt: new Date(),
    });
    return true;
  }

  /** Hides the conversation and its history for the caller only; a later message brings it back. */
  async hide(userId: UserId, target: ConversationTarget): Promise<boolean> {
    const resolved = await this.access.resolve(userId, target);
    const { conversationId } = resolved;
    if (resolved.kind === 'DIRECT' && !(await this.conversations.findById(conversationId)))
      throw ChatError.notFound('There is no conversation with this user');
    await withLease(this.leases, conversationId, async (lease) => {
      const conversation = await this.conversations.findById(conversationId);
      if (!conversation) return;
      if (conversation.kind === 'DIRECT') {
        await this.conversations.hideFor(lease, userId, conversation.lastSeq);
        return;
      }
      const mark = endOf(conversation);
      await this.memberships.apply([{ op: 'hide', conversationId, userId, read: mark, clearedSeq: mark.seq }]);
    });
    return true;
  }

  /**
   * Marks messages the caller received as read: the given ids, or all unread ones. Moves the read
   * position, fixes the unread count by what actually changed, and tells the sender (messagesRead);
   * in a group, every member.
   */
  async markAsRead(userId: UserId, conversationIdInput: unknown, messageIds: unknown): Promise<MessagesRead> {
    const resolved = await this.access.resolve(userId, { conversationId: conversationIdInput });
    const ids = parseMessageIds(messageIds);
    const only = ids === null ? {} : { ids };
    if (resolved.kind === 'GROUP') return (await this.markGroupRead(userId, resolved.conversationId, only)).read;
    return (await this.markRead(userId, resolved.conversationId, resolved.otherId, only)).read;
  }

  /** Marks everything the caller received in the conversation as read; returns how many changed. */
  async markConversationRead(userId: UserId, target: ConversationTarget): Promise<number> {
    const resolved = await this.access.resolve(userId, target);
    if (resolved.kind === 'GROUP') return (await this.markGroupRead(userId, resolved.conversationId, {})).changed;
    return (await this.markRead(userId, resolved.conversationId, resolved.otherId, {})).changed;
  }

  /** Unread messages across the caller's conversations. */
  async unreadCount(userId: UserId): Promise<number> {
    const conversations = await this.conversations.listAllFor(userId);
    const views = await this.views(userId, conversations);
    return views.reduce((sum, view) => sum + (view?.unreadCount ?? 0), 0);
  }

  /**
   * The current members' read marks of a group with receipts on (null for a DIRECT conversation
   * or a larger group). Callers already hold a message of the group they were allowed to read.
   */
  async readMarks(conversationId: ConversationId): Promise<GroupReadMarks | null> {
    if (!isGroupConversationId(conversationId)) return null;
    const conversation = await this.conversations.findById(conversationId);
    if (!conversation || conversation.participants.length > GROUP_LIVE_SIGNALS_MAX_MEMBERS) return null;
    const members = (await this.memberships.all(conversationId)).filter((record) =>
      conversation.participants.includes(record.userId),
    );
    return { members };
  }

  /** Views of these conversations for `userId`; null for a group hidden for them. */
  private async views(userId: UserId, conversations: readonly Conversation[]): Promise<Array<ConversationView | null>> {
    const groups = conversations.filter((conversation) => conversation.kind === 'GROUP');
    const records =
      groups.length === 0
        ? new Map()
        : await this.memberships.findFor(
            userId,
            groups.map((group) => group.id),
          );
    return Promise.all(
      conversations.map(async (conversation) => {
        if (conversation.kind === 'DIRECT') return viewFor(conversation, userId);
        const membership: Membership | null = records.get(conversation.id) ?? null;
        if (hiddenFor(conversation, membership)) return null;
        return groupViewFor(conversation, userId, membership, await this.unreadIn(conversation, membership));
      }),
    );
  }

  private async groupView(userId: UserId, conversation: Conversation): Promise<ConversationView> {
    const membership = await this.memberships.find(conversation.id, userId);
    return groupViewFor(conversation, userId, membership, await this.unreadIn(conversation, membership));
  }

  private async unreadIn(conversation: Conversation, membership: Membership | null): Promise<number> {
    if (!conversation.group || !membership) return 0;
    return groupUnread(conversation.group, membership.read, (afterSeq) =>
      this.messages.countDeleted(conversation.id, afterSeq, conversation.lastSeq),
    );
  }

  private async unhideGroup(userId: UserId, conversation: Conversation): Promise<void> {
    const membership = await this.memberships.find(conversation.id, userId);
    if (!membership?.hidden) return;
    await withLease(this.leases, conversation.id, () =>
      this.memberships.apply([{ op: 'read', conversationId: conversation.id, userId, read: membership.read }]),
    );
  }

  /**
   * A group read: moves the caller's read mark to the newest of the given messages (or to the
   * end), never back, and tells the group how far they read. Nothing is written per message.
   */
  private async markGroupRead(
    userId: UserId,
    conversationId: ConversationId,
    only: { ids?: readonly string[] },
  ): Promise<{ read: MessagesRead; changed: number }> {
    const readAt = new Date();
    const outcome = await withLease(this.leases, conversationId, async () => {
      const conversation = await this.access.groupMember(userId, conversationId);
      const membership = await this.memberships.find(conversationId, userId);
      if (!membership) return null;
      let mark = endOf(conversation);
      let messageIds: string[] = [];
      if (only.ids) {
        const named = (await this.messages.findInConversation(conversationId, only.ids)).filter(
          (message) =>
            message.tally !== null && message.seq <= conversation.lastSeq && message.seq > membership.read.seq,
        );
        messageIds = named.map((message) => message.id);
        const newest = named.at(-1);
        mark = newest ? { seq: newest.seq, tally: newest.tally! } : membership.read;
      }
      const before = await this.unreadIn(conversation, membership);
      const moved = mark.seq > membership.read.seq;
      if (moved) await this.memberships.apply([{ op: 'read', conversationId, userId, read: mark }]);
      const after = moved ? await this.unreadIn(conversation, { ...membership, read: mark }) : before;
      return { conversation, mark: moved ? mark : membership.read, messageIds, changed: before - after, moved };
    });
    if (!outcome) throw ChatError.forbidden('You are not a member of this group');
    const { conversation, mark, messageIds, changed, moved } = outcome;
    const read = { conversationId, messageIds, readAt, readerId: userId, readSeq: mark.seq };
    if (moved) {
      // The reader's own devices learn it from their journal; the members, live (a journal entry
      // per member and read would cost the group a write per member).
      await this.journal.record([userId], journalEntryOf(read));
      await this.announceRead(read, null, conversation.group?.memberVersion ?? 0);
    }
    return { read, changed };
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
      if (!conversation) return { unread: [], changed: 0, readSeq: 0, blocked: false };
      const member = memberState(conversation, userId);
      // Only what the document counts (seq <= lastSeq): a message a stalled writer left above it
      // is counted, unread, when the next writer folds it in.
      const unread = await this.messages.unreadFor(
        { conversationId, floorSeq: member.clearedSeq, topSeq: conversation.lastSeq },
        userId,
        conversation.lastSeq,
        only,
        member.unreadCount,
      );
      const changed = await this.messages.markRead(conversationId, unread, readAt);
      const readSeq = only.ids ? Math.max(0, ...unread.map((message) => message.seq)) : conversation.lastSeq;
      await this.conversations.markRead(lease, userId, readSeq, changed);
      const blocked = conversation.blockedBy.length > 0;
      return { unread, changed, readSeq: Math.max(member.readSeq, readSeq), blocked };
    });
    const { unread, changed, readSeq, blocked } = marked;
    const read = { conversationId, messageIds: unread.map((message) => message.id), readAt, readerId: userId, readSeq };
    if (read.messageIds.length > 0) {
      // Across a block the reader's own state moves (their other devices learn it), but no receipt
      // reaches the other side.
      await this.journal.record(blocked ? [userId] : [userId, otherId], journalEntryOf(read));
      if (!blocked) await this.announceRead(read, otherId);
    }
    return { read, changed };
  }

  /** messagesRead: to the sender of a DIRECT conversation (`senderId`), or to every member of a group. */
  private announceRead(read: MessagesRead, senderId: UserId | null, memberVersion?: number): Promise<void> {
    return this.publisher.publish({
      kind: 'MESSAGES_READ',
      conversationId: read.conversationId,
      messageIds: read.messageIds,
      readAt: read.readAt.toISOString(),
      readerId: read.readerId,
      senderId,
      readSeq: read.readSeq,
      ...(memberVersion === undefined ? {} : { memberVersion }),
    });
  }
}

function journalEntryOf(read: MessagesRead): NewJournalEntry {
  return {
    ...NO_DETAILS,
    type: 'MESSAGES_READ',
    conversationId: read.conversationId,
    actorId: read.readerId,
    occurredAt: read.readAt,
    readSeq: read.readSeq,
    messageIds: read.messageIds,
  };
}

/** The group's end: its last seq and tally. */
function endOf(conversation: Conversation): TallyMark {
  return { seq: conversation.lastSeq, tally: conversation.group?.tally ?? 0 };
}

function parseMessageIds(value: unknown): string[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || value.length > MAX_MARK_IDS) {
    throw ChatError.badInput(`messageIds must be a list of at most ${MAX_MARK_IDS} message ids`, 'messageIds');
  }
  return [...new Set(value.map((id: unknown) => parseMessageId(id, 'messageIds')))];
}

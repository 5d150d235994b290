import type { ConversationAccess, ConversationTarget } from '../conversation/conversation.access';
import { visibleFloor } from '../conversation/conversation.view';
import type { MembershipRepository } from '../conversation/membership.types';
import { trimDeletions } from '../conversation/unread';
import type { GroupFeeds } from '../group-feeds';
import { withLease, type ConversationLeases } from '../conversation/conversation.lease';
import { memberState, previewOf, type ConversationRepository } from '../conversation/conversation.types';
import { ChatError } from '../errors';
import { escapeRegex } from '../regex';
import type { EventPublisher } from '../events';
import { FeedStream } from '../feed-stream';
import { parseConversationRef, parseMessageId, type ConversationId, type UserId } from '../ids';
import type { ChatObserver } from '../observer';
import { MAX_REPLAY, MAX_SEARCH_LENGTH } from '../limits';
import type { RateLimiter } from '../rate-limit';
import { decodeCursor } from './message.cursor';
import { fromMessagePayload } from './message.events';
import type { MessageRepository, VisibleRange } from './message.repository';
import { clampLimit, clampPage, validateMessageContent, validateOutgoingMessage } from './message.rules';
import type { ChatMessage, OutgoingMessage, SendMessageRequest } from './message.types';
import type { MessageWriter, SendRequestForWriter } from './message.writer';

export interface HistoryPage {
  readonly conversationId: ConversationId;
  /** Newest first, as the seed's `chat_history`. */
  readonly messages: readonly ChatMessage[];
  readonly total: number;
  readonly page: number;
  readonly limit: number;
  readonly pages: number;
}

/** A cursor page of one conversation, oldest first. */
export interface MessageSlice {
  readonly conversationId: ConversationId;
  readonly messages: readonly ChatMessage[];
  readonly hasNextPage: boolean;
  readonly hasPreviousPage: boolean;
}

/**
 * A retry must be the same request: a clientMessageId reused in its conversation for other text is a
 * client bug, answered CONFLICT rather than silently returning an unrelated message.
 */
function sameRequest(original: ChatMessage, retry: Pick<OutgoingMessage, 'receiverId' | 'message'>): ChatMessage {
  if (original.receiverId !== retry.receiverId || original.message !== retry.message) {
    throw new ChatError('CONFLICT', 'clientMessageId was already used for a different message', {
      field: 'clientMessageId',
    });
  }
  return original;
}

export class MessageService {
  constructor(
    private readonly messages: MessageRepository,
    private readonly conversations: ConversationRepository,
    private readonly memberships: MembershipRepository,
    private readonly groupFeeds: GroupFeeds,
    private readonly access: ConversationAccess,
    private readonly leases: ConversationLeases,
    private readonly writer: MessageWriter,
    private readonly publisher: EventPublisher,
    private readonly rateLimiter: RateLimiter,
    private readonly observer: ChatObserver,
  ) {}

  /**
   * Validates, stores, then publishes. Resolves only once the message is stored. A repeated
   * `clientMessageId` from the same sender returns the original message and publishes nothing.
   */
  async send(senderId: UserId, request: SendMessageRequest): Promise<ChatMessage> {
    await this.rateLimiter.consume(senderId, 'send');
    const byId = request.conversationId !== undefined && request.conversationId !== null;
    const byUser = request.targetUserId !== undefined && request.targetUserId !== null;
    if (byId === byUser)
      throw ChatError.badInput('Pass exactly one of targetUserId and conversationId', 'conversationId');
    const ref = byId ? parseConversationRef(request.conversationId, 'conversationId') : null;
    let submitted: SendRequestForWriter;
    if (ref?.kind === 'GROUP') {
      // Membership is checked by the writer, under the lease, against the roster as stored.
      const content = validateMessageContent(request);
      submitted = { conversationId: ref.id, participants: null, senderId, outgoing: { ...content, receiverId: null } };
    } else {
      const targetUserId = ref ? this.access.asParticipant(senderId, ref.id).otherId : request.targetUserId;
      const outgoing = validateOutgoingMessage(senderId, { ...request, targetUserId });
      const { conversationId } = await this.access.withUser(senderId, outgoing.receiverId);
      submitted = { conversationId, participants: [senderId, outgoing.receiverId!], senderId, outgoing };
    }
    const outcome = await this.writer.submit(submitted);
    const outgoing = submitted.outgoing;
    // A retry whose original was stored earlier (or by a concurrent request): that is the message.
    if ('duplicateOf' in outcome) {
      this.observer.duplicateSendCaught();
      return sameRequest(outcome.duplicateOf, outgoing);
    }
    return outcome.stored;
  }

  /** Page `page` of the conversation, newest first, hidden and deleted messages excluded. */
  async history(userId: UserId, target: ConversationTarget, limit: unknown, page: unknown): Promise<HistoryPage> {
    const paging = clampPage(limit, page);
    const range = await this.visibleRange(userId, target);
    const [messages, total] = await Promise.all([
      this.messages.newestFirst(range, null, (paging.page - 1) * paging.limit, paging.limit),
      this.messages.count(range),
    ]);
    return { conversationId: range.conversationId, messages, total, ...paging, pages: Math.ceil(total / paging.limit) };
  }

  /**
   * Cursor paging on `seq`: the newest `first` with no cursor, the `first` just older than
   * `before`, or the `first` just newer than `after`. Always oldest first. Stable under concurrent
   * inserts, because positions never move.
   */
  async slice(
    userId: UserId,
    target: ConversationTarget,
    first: unknown,
    before: unknown,
    after: unknown,
  ): Promise<MessageSlice> {
    const count = clampLimit(first, 'first');
    if (before != null && after != null) throw ChatError.badInput('Pass before or after, not both', 'before');
    const range = await this.visibleRange(userId, target);
    if (after != null) {
      const afterSeq = decodeCursor(String(after), range.conversationId, 'after');
      this.observer.resumed('page');
      const newer = await this.messages.oldestFirstAfter(range, afterSeq, count + 1);
      return {
        conversationId: range.conversationId,
        messages: newer.slice(0, count),
        hasNextPage: newer.length > count,
        hasPreviousPage: afterSeq > range.floorSeq,
      };
    }
    const beforeSeq = before == null ? null : decodeCursor(String(before), range.conversationId, 'before');
    if (beforeSeq === null) this.observer.fullResync();
    const older = await this.messages.newestFirst(range, beforeSeq, 0, count + 1);
    return {
      conversationId: range.conversationId,
      messages: older.slice(0, count).reverse(),
      hasNextPage: beforeSeq !== null,
      hasPreviousPage: older.length > count,
    };
  }

  /** Soft-deletes the caller's own message; fixes unread counts and the preview; tells both sides. */
  async delete(userId: UserId, messageIdInput: unknown): Promise<boolean> {
    const messageId = parseMessageId(messageIdInput, 'messageId');
    const message = await this.messages.findById(messageId);
    if (!message) throw ChatError.notFound('No such message');
    const resolved = await this.access.resolve(userId, { conversationId: message.conversationId });
    if (message.senderId !== userId || message.messageType === 'system')
      throw ChatError.forbidden('Only the sender can delete a message');
    const deletedAt = new Date();
    if (resolved.kind === 'GROUP') return this.deleteFromGroup(userId, message, deletedAt);
    const { otherId } = resolved;
    const deleted = await withLease(this.leases, message.conversationId, async (lease) => {
      const before = await this.messages.softDelete(messageId, userId, deletedAt);
      if (!before) return false; // already deleted: a retry gets the same answer
      const conversation = await this.conversations.findById(message.conversationId);
      // A message above the recorded lastSeq was never counted (its writer stalled); folding it
      // in later skips it, being deleted.
      const counted = conversation !== null && before.seq <= conversation.lastSeq;
      if (counted && !before.isRead && before.seq > memberState(conversation, otherId).clearedSeq) {
        await this.conversations.decrementUnread(lease, otherId, 1);
      }
      if (conversation?.lastMessage?.messageId === messageId) {
        const latest = await this.messages.latestVisible(message.conversationId);
        await this.conversations.replacePreview(lease, messageId, latest ? previewOf(latest) : null);
      }
      return true;
    });
    if (!deleted) return true;
    await this.publisher.publish({
      kind: 'MESSAGE_DELETED',
      conversationId: message.conversationId,
      messageId,
      seq: message.seq,
      deletedBy: userId,
      otherUserId: otherId,
      deletedAt: deletedAt.toISOString(),
    });
    return true;
  }

  /**
   * A group message: soft-deleted, then recorded in the group's deletions (which keeps every
   * member's unread count exact without a write per member) and, if it was the preview, replaced.
   */
  private async deleteFromGroup(userId: UserId, message: ChatMessage, deletedAt: Date): Promise<boolean> {
    const conversationId = message.conversationId;
    const outcome = await withLease(this.leases, conversationId, async (lease) => {
      const before = await this.messages.softDelete(message.id, userId, deletedAt);
      if (!before) return null;
      const latest =
        (await this.conversations.findById(conversationId))?.lastMessage?.messageId === message.id
          ? await this.messages.latestVisible(conversationId)
          : undefined;
      return this.conversations.change(lease, (conversation) => {
        // Above lastSeq it is not counted yet: the writer that folds it in records the deletion.
        if (!conversation.group || message.seq > conversation.lastSeq) return null;
        const trimmed = trimDeletions(
          [...conversation.group.deletions, message.seq],
          conversation.group.deletionsFloor,
        );
        const preview = latest === undefined ? conversation.lastMessage : latest && previewOf(latest);
        return {
          ...conversation,
          group: { ...conversation.group, ...trimmed },
          lastMessage: preview,
          lastMessageTime: preview?.createdAt ?? null,
        };
      });
    });
    if (outcome === null) return true; // already deleted: a retry gets the same answer
    await this.publisher.publish({
      kind: 'MESSAGE_DELETED',
      conversationId,
      messageId: message.id,
      seq: message.seq,
      deletedBy: userId,
      otherUserId: null,
      deletedAt: deletedAt.toISOString(),
      memberVersion: outcome?.group?.memberVersion ?? 0,
    });
    return true;
  }

  /**
   * Literal, case-insensitive search in the caller's conversations (or the one with
   * `targetUserId`), newest first. Regex metacharacters are escaped, so the query cannot become
   * an expensive pattern.
   */
  async search(userId: UserId, query: unknown, target: ConversationTarget, limit: unknown): Promise<ChatMessage[]> {
    await this.rateLimiter.consume(userId, 'search');
    if (typeof query !== 'string' || query.trim().length === 0)
      throw ChatError.badInput('query must not be empty', 'query');
    if (query.length > MAX_SEARCH_LENGTH) {
      throw ChatError.badInput(`query must be at most ${MAX_SEARCH_LENGTH} characters`, 'query');
    }
    const count = clampLimit(limit, 'limit');
    const ranges =
      target.targetUserId == null && target.conversationId == null
        ? await this.allVisibleRanges(userId)
        : [await this.visibleRange(userId, target)];
    return this.messages.search(ranges, escapeRegex(query.trim()), count);
  }

  /**
   * Live messages of all the caller's conversations, or of the one with `targetUserId`. With
   * `after` (a cursor in that conversation) it first replays what came later from MongoDB. The
   * broker subscription is confirmed before the replay query runs, so nothing falls in between;
   * live copies of replayed messages are skipped by id (not by seq: a message whose seq was
   * reserved before the replay but stored after it must still come through).
   */
  async stream(
    userId: UserId,
    target: ConversationTarget,
    after: string | null,
  ): Promise<AsyncIterableIterator<ChatMessage>> {
    const named = target.targetUserId != null || target.conversationId != null;
    if (after !== null && !named) {
      throw ChatError.badInput(
        'after needs targetUserId or conversationId: a cursor belongs to one conversation',
        'after',
      );
    }
    const range = named ? await this.visibleRange(userId, target) : null;
    const live = this.groupFeeds.open(userId, 'MESSAGE_CREATED', range ? range.conversationId : null);
    try {
      await live.ready;
      const replay =
        after === null || !range
          ? []
          : await this.messages.oldestFirstAfter(range, decodeCursor(after, range.conversationId, 'after'), MAX_REPLAY);
      if (after !== null) this.observer.resumed('subscription');
      const replayed = new Set(replay.map((message) => message.id));
      return new FeedStream(replay, live.events, (event) => {
        if (event.kind !== 'MESSAGE_CREATED' || replayed.has(event.message.id)) return null;
        const message = fromMessagePayload(event.message);
        this.observer.messageDelivered(message.createdAt);
        return message;
      });
    } catch (error) {
      await live.events.return?.();
      throw error;
    }
  }

  /** The part of the conversation the caller can see (in a group, from the message that added them on). */
  private async visibleRange(userId: UserId, target: ConversationTarget): Promise<VisibleRange> {
    const resolved = await this.access.resolve(userId, target);
    const { conversationId } = resolved;
    if (resolved.kind === 'GROUP')
      return { conversationId, floorSeq: visibleFloor(await this.memberships.find(conversationId, userId)) };
    const conversation = await this.conversations.findById(conversationId);
    return { conversationId, floorSeq: memberState(conversation, userId).clearedSeq };
  }

  private async allVisibleRanges(userId: UserId): Promise<VisibleRange[]> {
    const conversations = await this.conversations.listAllFor(userId);
    const groups = conversations.filter((conversation) => conversation.kind === 'GROUP').map((group) => group.id);
    const records = groups.length > 0 ? await this.memberships.findFor(userId, groups) : new Map();
    return conversations.map((conversation) => ({
      conversationId: conversation.id,
      floorSeq:
        conversation.kind === 'GROUP'
          ? visibleFloor(records.get(conversation.id) ?? null)
          : memberState(conversation, userId).clearedSeq,
    }));
  }
}

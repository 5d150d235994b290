import type { ConversationAccess } from '../conversation/conversation.access';
import { withLease, type ConversationLeases } from '../conversation/conversation.lease';
import { memberState, previewOf, type ConversationRepository } from '../conversation/conversation.types';
import { ChatError } from '../errors';
import { escapeRegex } from '../regex';
import type { EventPublisher, EventSubscriber } from '../events';
import { FeedStream } from '../feed-stream';
import { parseMessageId, type ConversationId, type UserId } from '../ids';
import type { ChatObserver } from '../observer';
import { MAX_REPLAY, MAX_SEARCH_LENGTH } from '../limits';
import type { RateLimiter } from '../rate-limit';
import { decodeCursor } from './message.cursor';
import { fromMessagePayload } from './message.events';
import type { MessageRepository, VisibleRange } from './message.repository';
import { clampLimit, clampPage, validateOutgoingMessage } from './message.rules';
import type { ChatMessage, OutgoingMessage, SendMessageRequest } from './message.types';
import type { MessageWriter } from './message.writer';

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
function sameRequest(original: ChatMessage, retry: OutgoingMessage): ChatMessage {
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
    private readonly access: ConversationAccess,
    private readonly leases: ConversationLeases,
    private readonly writer: MessageWriter,
    private readonly publisher: EventPublisher,
    private readonly subscriber: EventSubscriber,
    private readonly rateLimiter: RateLimiter,
    private readonly observer: ChatObserver,
  ) {}

  /**
   * Validates, stores, then publishes. Resolves only once the message is stored. A repeated
   * `clientMessageId` from the same sender returns the original message and publishes nothing.
   */
  async send(senderId: UserId, request: SendMessageRequest): Promise<ChatMessage> {
    await this.rateLimiter.consume(senderId, 'send');
    const outgoing = validateOutgoingMessage(senderId, request);
    const { conversationId } = await this.access.withUser(senderId, outgoing.receiverId);
    const outcome = await this.writer.submit({
      conversationId,
      participants: [senderId, outgoing.receiverId],
      senderId,
      outgoing,
    });
    // A retry whose original was stored earlier (or by a concurrent request): that is the message.
    if ('duplicateOf' in outcome) {
      this.observer.duplicateSendCaught();
      return sameRequest(outcome.duplicateOf, outgoing);
    }
    return outcome.stored;
  }

  /** Page `page` of the conversation with `targetUserId`, newest first, hidden and deleted messages excluded. */
  async history(userId: UserId, targetUserId: unknown, limit: unknown, page: unknown): Promise<HistoryPage> {
    const paging = clampPage(limit, page);
    const range = await this.visibleRange(userId, targetUserId);
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
    targetUserId: unknown,
    first: unknown,
    before: unknown,
    after: unknown,
  ): Promise<MessageSlice> {
    const count = clampLimit(first, 'first');
    if (before != null && after != null) throw ChatError.badInput('Pass before or after, not both', 'before');
    const range = await this.visibleRange(userId, targetUserId);
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
    const { otherId } = this.access.asParticipant(userId, message.conversationId);
    if (message.senderId !== userId) throw ChatError.forbidden('Only the sender can delete a message');
    const deletedAt = new Date();
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
   * Literal, case-insensitive search in the caller's conversations (or the one with
   * `targetUserId`), newest first. Regex metacharacters are escaped, so the query cannot become
   * an expensive pattern.
   */
  async search(userId: UserId, query: unknown, targetUserId: unknown, limit: unknown): Promise<ChatMessage[]> {
    await this.rateLimiter.consume(userId, 'search');
    if (typeof query !== 'string' || query.trim().length === 0)
      throw ChatError.badInput('query must not be empty', 'query');
    if (query.length > MAX_SEARCH_LENGTH) {
      throw ChatError.badInput(`query must be at most ${MAX_SEARCH_LENGTH} characters`, 'query');
    }
    const count = clampLimit(limit, 'limit');
    const ranges =
      targetUserId === undefined || targetUserId === null
        ? (await this.conversations.listAllFor(userId)).map((conversation) => ({
            conversationId: conversation.id,
            floorSeq: memberState(conversation, userId).clearedSeq,
          }))
        : [await this.visibleRange(userId, targetUserId)];
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
    targetUserId: unknown,
    after: string | null,
  ): Promise<AsyncIterableIterator<ChatMessage>> {
    if (after !== null && (targetUserId === null || targetUserId === undefined)) {
      throw ChatError.badInput('after needs targetUserId: a cursor belongs to one conversation', 'after');
    }
    const range =
      targetUserId === null || targetUserId === undefined ? null : await this.visibleRange(userId, targetUserId);
    const live = this.subscriber.open(
      range
        ? { scope: 'conversation', conversationId: range.conversationId, kind: 'MESSAGE_CREATED' }
        : { scope: 'user', userId, kind: 'MESSAGE_CREATED' },
    );
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

  /** The part of the conversation with `targetUserId` the caller can see. */
  private async visibleRange(userId: UserId, targetUserId: unknown): Promise<VisibleRange> {
    const { conversationId } = await this.access.withUser(userId, targetUserId);
    const conversation = await this.conversations.findById(conversationId);
    return { conversationId, floorSeq: memberState(conversation, userId).clearedSeq };
  }
}

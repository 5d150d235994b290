import type { ConversationAccess, ConversationTarget } from '../conversation/conversation.access';
import type { ConversationView } from '../conversation/conversation.view';
import type { ConversationVisibility } from '../conversation/conversation.visibility';
import type { GroupFeeds } from '../group-feeds';
import { ChatError } from '../errors';
import { escapeRegex } from '../regex';
import { FeedStream } from '../feed-stream';
import { parseAttachmentIds } from '../attachment/attachment.rules';
import type { AttachmentService } from '../attachment/attachment.service';
import type { MessageAttachment } from '../attachment/attachment.types';
import { parseConversationRef, parseMessageId, parseUserId, type ConversationId, type UserId } from '../ids';
import type { ChatObserver } from '../observer';
import { MAX_REPLAY, MAX_SEARCH_LENGTH } from '../limits';
import type { RateLimiter } from '../rate-limit';
import { decodeCursor } from './message.cursor';
import { fromMessagePayload } from './message.events';
import type { MessageRepository } from './message.repository';
import { clampLimit, clampPage, stubOf, validateMessageContent, validateOutgoingMessage } from './message.rules';
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
    private readonly visibility: ConversationVisibility,
    private readonly groupFeeds: GroupFeeds,
    private readonly access: ConversationAccess,
    private readonly writer: MessageWriter,
    private readonly rateLimiter: RateLimiter,
    private readonly observer: ChatObserver,
    private readonly attachments: AttachmentService,
  ) {}

  /**
   * Validates, stores, then publishes. Resolves only once the message is stored. A repeated
   * `clientMessageId` from the same sender returns the original message and publishes nothing.
   * `rateLimited: false` is for sends a user asked for earlier (scheduled), counted back then.
   */
  async send(
    senderId: UserId,
    request: SendMessageRequest,
    options: { readonly rateLimited?: boolean } = {},
  ): Promise<ChatMessage> {
    if (options.rateLimited !== false) await this.rateLimiter.consume(senderId, 'send');
    const prepared = await this.prepare(senderId, request);
    if ('duplicateOf' in prepared) return prepared.duplicateOf;
    const outcome = await this.writer.submit(prepared);
    const outgoing = prepared.outgoing;
    // A retry whose original was stored earlier (or by a concurrent request): that is the message.
    if ('duplicateOf' in outcome) {
      this.observer.duplicateSendCaught();
      return sameRequest(outcome.duplicateOf, outgoing);
    }
    await this.attachments.sent(outgoing.attachments.map((attachment) => attachment.id));
    return outcome.stored;
  }

  /**
   * A send request validated into what the writer stores, with everything checked that can be
   * before the lease (the writer checks membership and blocks under it). Attachments are claimed
   * for the conversation; `keepAttachmentsUntil` (scheduling) keeps them that long. A retry of
   * a send with attachments that was stored already comes back as that message.
   */
  async prepare(
    senderId: UserId,
    request: SendMessageRequest,
    keepAttachmentsUntil?: Date,
  ): Promise<SendRequestForWriter | { readonly duplicateOf: ChatMessage }> {
    const byId = request.conversationId !== undefined && request.conversationId !== null;
    const byUser = request.targetUserId !== undefined && request.targetUserId !== null;
    if (byId === byUser)
      throw ChatError.badInput('Pass exactly one of targetUserId and conversationId', 'conversationId');
    const attachmentIds = parseAttachmentIds(request.attachmentIds);
    const ref = byId ? parseConversationRef(request.conversationId, 'conversationId') : null;
    const target =
      ref?.kind === 'GROUP'
        ? { conversationId: ref.id, receiverId: null }
        : await this.directTarget(
            senderId,
            ref ? this.access.asParticipant(senderId, ref.id).otherId : request.targetUserId,
          );
    let uploads: MessageAttachment[] = [];
    if (attachmentIds.length > 0) {
      // Sent attachments cannot be claimed again, so a retry is answered here, before the claim.
      const earlier =
        typeof request.clientMessageId === 'string'
          ? await this.messages.findByClientMessageId(target.conversationId, senderId, request.clientMessageId)
          : null;
      if (earlier) {
        // Another text under the same key is a client bug: CONFLICT, as the writer answers it.
        const text = typeof request.message === 'string' && request.message.trim() !== '' ? request.message : '';
        return { duplicateOf: sameRequest(earlier, { receiverId: earlier.receiverId, message: text }) };
      }
      uploads = await this.attachments.claimForSend(
        senderId,
        target.conversationId,
        attachmentIds,
        keepAttachmentsUntil,
      );
    }
    let submitted: SendRequestForWriter;
    if (target.receiverId === null) {
      // Membership is checked by the writer, under the lease, against the roster as stored.
      const content = validateMessageContent(request, uploads);
      submitted = {
        conversationId: target.conversationId,
        participants: null,
        senderId,
        outgoing: { ...content, receiverId: null },
      };
    } else {
      const outgoing = validateOutgoingMessage(senderId, { ...request, targetUserId: target.receiverId }, uploads);
      const outsider = outgoing.mentions.find((userId) => userId !== senderId && userId !== outgoing.receiverId);
      if (outsider !== undefined) {
        throw ChatError.badInput(`User ${outsider} is not a member of this conversation`, 'mentionedUserIds');
      }
      submitted = {
        conversationId: target.conversationId,
        participants: [senderId, target.receiverId],
        senderId,
        outgoing,
      };
    }
    if (submitted.outgoing.replyToId !== null) await this.checkQuote(senderId, submitted);
    return submitted;
  }

  /** A DIRECT send's conversation and receiver: an existing user other than the sender. */
  private async directTarget(
    senderId: UserId,
    targetUserId: unknown,
  ): Promise<{ conversationId: ConversationId; receiverId: UserId }> {
    const receiverId = parseUserId(targetUserId, 'targetUserId');
    if (receiverId === senderId) throw ChatError.badInput('You cannot send a message to yourself', 'targetUserId');
    const { conversationId } = await this.access.withUser(senderId, receiverId);
    return { conversationId, receiverId };
  }

  /** A reply quotes a message of its own conversation that the sender can see and that is still there. */
  private async checkQuote(senderId: UserId, request: SendRequestForWriter): Promise<void> {
    const quoted = await this.messages.findOne(request.conversationId, request.outgoing.replyToId!);
    const { floorSeq } = await this.visibility.range(senderId, { conversationId: request.conversationId });
    if (!quoted || quoted.seq <= floorSeq) {
      throw ChatError.badInput('replyToId must be a message of this conversation', 'replyToId');
    }
    if (quoted.deletedAt !== null) throw new ChatError('CONFLICT', 'The message replied to was deleted');
  }

  /** One message of the caller's conversations (its edit history, a quote); deleted: its stub. */
  async one(userId: UserId, messageIdInput: unknown): Promise<ChatMessage> {
    const messageId = parseMessageId(messageIdInput, 'messageId');
    const message = await this.messages.findById(messageId);
    if (!message) throw ChatError.notFound('No such message');
    const { floorSeq } = await this.visibility.range(userId, { conversationId: message.conversationId });
    if (message.seq <= floorSeq) throw ChatError.notFound('No such message');
    return stubOf(message);
  }

  /** The replies to a message, oldest first, paged by cursor. */
  async replies(userId: UserId, messageIdInput: unknown, first: unknown, after: unknown): Promise<MessageSlice> {
    const messageId = parseMessageId(messageIdInput, 'messageId');
    const count = clampLimit(first, 'first');
    const parent = await this.messages.findById(messageId);
    if (!parent) throw ChatError.notFound('No such message');
    const range = await this.visibility.range(userId, { conversationId: parent.conversationId });
    if (parent.seq <= range.floorSeq) throw ChatError.notFound('No such message');
    const afterSeq = after == null ? 0 : decodeCursor(String(after), range.conversationId, 'after');
    const replies = await this.messages.replies(range, messageId, afterSeq, count + 1);
    return {
      conversationId: range.conversationId,
      messages: replies.slice(0, count),
      hasNextPage: replies.length > count,
      hasPreviousPage: afterSeq > 0,
    };
  }

  /**
   * Messages of one conversation by id, for quotes and pins of a conversation the caller already
   * reached (the resolver of its parent checked access). Deleted ones come back as stubs.
   */
  async inConversation(conversationId: ConversationId, ids: readonly string[]): Promise<ChatMessage[]> {
    return (await this.messages.findInConversation(conversationId, ids)).map(stubOf);
  }

  /** How many replies (not deleted) each of these messages has. */
  replyCounts(conversationId: ConversationId, ids: readonly string[]): Promise<Map<string, number>> {
    return this.messages.countReplies(conversationId, ids);
  }

  /**
   * Unread messages that mention `userId`, per conversation, in one query: above the member's
   * read position in a group, unread (`isRead` false) in a DIRECT one, and never what they cannot
   * see or what is deleted. Counted from the messages themselves, so exact by construction.
   */
  mentionCounts(
    userId: UserId,
    views: ReadonlyArray<Pick<ConversationView, 'conversationId' | 'kind' | 'readSeq' | 'floorSeq'>>,
  ): Promise<Map<ConversationId, number>> {
    return this.messages.countMentions(
      userId,
      views.map((view) => ({
        conversationId: view.conversationId,
        direct: view.kind === 'DIRECT',
        floorSeq: view.kind === 'DIRECT' ? view.floorSeq : Math.max(view.floorSeq, view.readSeq),
      })),
    );
  }

  /** Page `page` of the conversation, newest first, hidden and deleted messages excluded. */
  async history(userId: UserId, target: ConversationTarget, limit: unknown, page: unknown): Promise<HistoryPage> {
    const paging = clampPage(limit, page);
    const range = await this.visibility.range(userId, target);
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
    const range = await this.visibility.range(userId, target);
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
        ? await this.visibility.allRanges(userId)
        : [await this.visibility.range(userId, target)];
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
    const range = named ? await this.visibility.range(userId, target) : null;
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
}

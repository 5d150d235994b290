import type { ConversationRepository } from '../conversation/conversation.types';
import { memberState } from '../conversation/conversation.types';
import { ChatError } from '../errors';
import type { EventPublisher, EventSubscriber } from '../events';
import { conversationIdFor, parseUserId, type ConversationId, type UserId } from '../ids';
import type { UserRepository } from '../user/user.types';
import { decodeCursor } from './message.cursor';
import { toMessagePayload } from './message.events';
import { ResumeStream } from './message.stream';
import type { MessageRepository } from './message.repository';
import { clampPage, validateOutgoingMessage } from './message.rules';
import type { ChatMessage, SendMessageRequest } from './message.types';

export interface HistoryPage {
  readonly conversationId: ConversationId;
  /** Newest first, as the seed's `chat_history`. */
  readonly messages: readonly ChatMessage[];
  readonly total: number;
  readonly page: number;
  readonly limit: number;
  readonly pages: number;
}

/** How many missed messages a resuming subscription replays before going live. @default 1000 */
export const MAX_REPLAY = 1000;

export class MessageService {
  constructor(
    private readonly messages: MessageRepository,
    private readonly conversations: ConversationRepository,
    private readonly users: UserRepository,
    private readonly publisher: EventPublisher,
    private readonly subscriber: EventSubscriber,
  ) {}

  /**
   * Validates, stores, then publishes. Resolves only once the message is stored. A repeated
   * `clientMessageId` from the same sender returns the original message and publishes nothing.
   */
  async send(senderId: UserId, request: SendMessageRequest): Promise<ChatMessage> {
    const outgoing = validateOutgoingMessage(senderId, request);
    const earlier = await this.messages.findByClientMessageId(senderId, outgoing.clientMessageId);
    if (earlier) return earlier;
    await this.requireUser(outgoing.receiverId);

    const conversationId = conversationIdFor(senderId, outgoing.receiverId);
    const seq = await this.conversations.reserveSeq(conversationId, [senderId, outgoing.receiverId]);
    const result = await this.messages.insert({ ...outgoing, conversationId, senderId, seq });
    // A concurrent retry won the race for this clientMessageId; its copy is the message.
    if ('duplicateOf' in result) return result.duplicateOf;

    const stored = result.inserted;
    await this.conversations.recordMessage(stored);
    await this.publisher.publish({ kind: 'MESSAGE_CREATED', message: toMessagePayload(stored) });
    return stored;
  }

  /** Page `page` of the conversation with `targetUserId`, newest first, hidden and deleted messages excluded. */
  async history(userId: UserId, targetUserId: unknown, limit: unknown, page: unknown): Promise<HistoryPage> {
    const { conversationId } = await this.openConversation(userId, targetUserId);
    const paging = clampPage(limit, page);
    const visibleAfter = await this.visibleAfterSeq(conversationId, userId);
    const [messages, total] = await Promise.all([
      this.messages.newestFirst(conversationId, visibleAfter, (paging.page - 1) * paging.limit, paging.limit),
      this.messages.countAfter(conversationId, visibleAfter),
    ]);
    return { conversationId, messages, total, ...paging, pages: Math.ceil(total / paging.limit) };
  }

  /**
   * Messages of the conversation with `targetUserId` newer than `afterCursor` (all visible ones when
   * null), oldest first, at most {@link MAX_REPLAY}. Used to replay what a reconnecting client missed.
   */
  async missedSince(userId: UserId, targetUserId: unknown, afterCursor: string | null): Promise<ChatMessage[]> {
    const { conversationId } = await this.openConversation(userId, targetUserId);
    const visibleAfter = await this.visibleAfterSeq(conversationId, userId);
    const afterSeq = afterCursor === null ? visibleAfter : decodeCursor(afterCursor, conversationId, 'after');
    return this.messages.oldestFirstAfter(conversationId, Math.max(afterSeq, visibleAfter), MAX_REPLAY);
  }

  /**
   * Live messages of all the caller's conversations, or of the one with `targetUserId`. With
   * `after` (a cursor in that conversation) it first replays what came later from MongoDB. The
   * broker subscription is confirmed before the replay query runs, so nothing falls in between.
   */
  async stream(
    userId: UserId,
    targetUserId: unknown,
    after: string | null,
  ): Promise<AsyncIterableIterator<ChatMessage>> {
    if (after !== null && (targetUserId === null || targetUserId === undefined)) {
      throw ChatError.badInput('after needs targetUserId: a cursor belongs to one conversation', 'after');
    }
    const conversation =
      targetUserId === null || targetUserId === undefined ? null : await this.openConversation(userId, targetUserId);
    const live = conversation
      ? this.subscriber.forConversation(conversation.conversationId)
      : this.subscriber.forUser(userId);
    try {
      await live.ready;
      const replay = after === null ? [] : await this.missedSince(userId, targetUserId, after);
      return new ResumeStream(replay, live.events);
    } catch (error) {
      await live.events.return?.();
      throw error;
    }
  }

  /** Resolves the caller's conversation with a target user, checking the target exists. */
  async openConversation(
    userId: UserId,
    targetUserId: unknown,
  ): Promise<{ conversationId: ConversationId; targetId: UserId }> {
    const targetId = parseUserId(targetUserId, 'targetUserId');
    if (targetId === userId) throw ChatError.badInput('targetUserId must be another user', 'targetUserId');
    await this.requireUser(targetId);
    return { conversationId: conversationIdFor(userId, targetId), targetId };
  }

  private async visibleAfterSeq(conversationId: ConversationId, userId: UserId): Promise<number> {
    return memberState(await this.conversations.findById(conversationId), userId).clearedSeq;
  }

  private async requireUser(id: UserId): Promise<void> {
    if (!(await this.users.findById(id))) throw ChatError.notFound(`No user ${id} exists`);
  }
}

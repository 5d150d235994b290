import type { AttachmentService } from '../attachment/attachment.service';
import {
  conversationBusy,
  withLease,
  type ConversationLease,
  type ConversationLeases,
} from '../conversation/conversation.lease';
import {
  memberState,
  previewOf,
  roleOf,
  stampFor,
  type Conversation,
  type ConversationRepository,
  type MemberRole,
} from '../conversation/conversation.types';
import type { ConversationVisibility } from '../conversation/conversation.visibility';
import { trimDeletions } from '../conversation/unread';
import { ChatError } from '../errors';
import type { EventPublisher } from '../events';
import { parseConversationId, parseMessageId, type UserId } from '../ids';
import type { MessageRepository } from '../message/message.repository';
import { toMessagePayload } from '../message/message.events';
import type { ChatMessage } from '../message/message.types';
import type { RateLimiter } from '../rate-limit';
import {
  decideAddReaction,
  decideDelete,
  decideEdit,
  decidePin,
  decideRemoveReaction,
  decideUnpin,
  parseEmoji,
  patched,
  type ChangeDecision,
} from './message-change.rules';
import type { MessageChange, MessageChangeRepository } from './timeline.types';

export interface MessageChangeSettings {
  /** @see Config.maxReactionsPerMessage */
  readonly maxReactionsPerMessage: number;
  /** @see Config.pinRequiresAdmin */
  readonly pinRequiresAdmin: boolean;
}

/** What a decision sees: the message and conversation as read under the lease, and the actor's role. */
interface ChangeContext {
  readonly message: ChatMessage;
  readonly conversation: Conversation;
  readonly role: MemberRole;
  readonly now: Date;
}

/** Leftover changes folded in at once, at most (a writer died after storing them). @default 100 */
const MAX_LEFTOVERS = 100;
/** Positions tried before the request is answered retryably. @default 3 */
const MAX_ATTEMPTS = 3;

/**
 * Everything that happens to a message after it is sent: edits, reactions, pins, deletes. Each is
 * decided under the conversation's lease against the message as stored, then stored as a change
 * with the next position in the conversation's timeline (its commit point: a unique index on
 * `(conversationId, seq)`), applied to the message, and recorded in the conversation document
 * (its `eventSeq`, pins, preview, unread counts) with the lease's fence. Serialized per
 * conversation this way, concurrent reactions from any number of instances stay exact even on
 * FerretDB, whose updates are read-modify-write.
 *
 * A writer that died between storing a change and recording it leaves the change above the
 * recorded `eventSeq`; the next writer meets it at that position, applies it (once: the message
 * records the last change applied), records it and publishes it, then takes the next position.
 */
export class MessageChangeService {
  constructor(
    private readonly messages: MessageRepository,
    private readonly conversations: ConversationRepository,
    private readonly changes: MessageChangeRepository,
    private readonly visibility: ConversationVisibility,
    private readonly leases: ConversationLeases,
    private readonly publisher: EventPublisher,
    private readonly rateLimiter: RateLimiter,
    private readonly settings: MessageChangeSettings,
    private readonly attachments: Pick<AttachmentService, 'discard'>,
  ) {}

  async edit(userId: UserId, messageId: unknown, text: unknown): Promise<ChatMessage> {
    await this.rateLimiter.consume(userId, 'change');
    return this.change(userId, messageId, ({ message, now }) => decideEdit(message, userId, text, now));
  }

  async addReaction(userId: UserId, messageId: unknown, emojiInput: unknown): Promise<ChatMessage> {
    const emoji = parseEmoji(emojiInput);
    await this.rateLimiter.consume(userId, 'change');
    const max = this.settings.maxReactionsPerMessage;
    return this.change(userId, messageId, ({ message }) => decideAddReaction(message, userId, emoji, max));
  }

  async removeReaction(userId: UserId, messageId: unknown, emojiInput: unknown): Promise<ChatMessage> {
    const emoji = parseEmoji(emojiInput);
    await this.rateLimiter.consume(userId, 'change');
    return this.change(userId, messageId, ({ message }) => decideRemoveReaction(message, userId, emoji));
  }

  async pin(userId: UserId, messageId: unknown): Promise<ChatMessage> {
    await this.rateLimiter.consume(userId, 'change');
    return this.change(userId, messageId, ({ message, conversation, role, now }) =>
      decidePin(message, userId, role, {
        isGroup: conversation.kind === 'GROUP',
        adminsOnly: this.settings.pinRequiresAdmin,
        pinned: conversation.pins.length,
        now,
      }),
    );
  }

  async unpin(userId: UserId, messageId: unknown): Promise<ChatMessage> {
    await this.rateLimiter.consume(userId, 'change');
    return this.change(userId, messageId, ({ message, conversation, role }) =>
      decideUnpin(message, role, {
        isGroup: conversation.kind === 'GROUP',
        adminsOnly: this.settings.pinRequiresAdmin,
      }),
    );
  }

  /** Soft-deletes the caller's own message; fixes unread counts, the preview and pins; tells members. A retry changes nothing. */
  async delete(userId: UserId, messageId: unknown): Promise<boolean> {
    const deleted = await this.change(userId, messageId, ({ message, now }) => decideDelete(message, userId, now));
    // Its files become unreachable with it (a retry finds them gone already).
    await this.attachments.discard(deleted.attachments.map((attachment) => attachment.id));
    return true;
  }

  private async change(
    userId: UserId,
    messageIdInput: unknown,
    decide: (context: ChangeContext) => ChangeDecision,
  ): Promise<ChatMessage> {
    const messageId = parseMessageId(messageIdInput, 'messageId');
    const located = await this.messages.findById(messageId);
    if (!located) throw ChatError.notFound('No such message');
    const { conversationId } = located;
    const visible = await this.visibility.resolve(userId, { conversationId });
    // Before the member joined, or cleared by them: not theirs to see.
    if (located.seq <= visible.range.floorSeq) throw ChatError.notFound('No such message');

    const applied: Array<{ change: MessageChange; message: ChatMessage; conversation: Conversation }> = [];
    const result = await withLease(this.leases, conversationId, async (lease) => {
      let conversation = await this.conversations.findById(conversationId);
      // Stored but not yet recorded by its writer (which is finishing, or died): soon folded in.
      if (!conversation || located.seq > conversation.lastSeq) throw conversationBusy();
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
        const message = await this.messages.findOne(conversationId, messageId);
        if (!message) throw ChatError.notFound('No such message');
        // Membership and role as the lease holder sees them: a member removed a moment ago is refused.
        const role = roleOf(conversation, userId);
        if (!role) throw ChatError.forbidden('You are not a member of this conversation');
        const decision = decide({ message, conversation, role, now: new Date() });
        if (!decision) return message;
        const change: MessageChange = {
          conversationId,
          seq: conversation.eventSeq + 1,
          afterSeq: conversation.lastSeq,
          actorId: userId,
          occurredAt: new Date(),
          messageId,
          messageSeq: message.seq,
          ...decision,
        };
        if (!(await this.changes.insert(change))) {
          conversation = await this.catchUp(lease, conversation, applied);
          continue;
        }
        await this.messages.applyPatch(conversationId, messageId, change.seq, change.patch);
        const after = patched(message, change.patch, change.seq);
        const next = await this.record(lease, conversation, [{ change, message: after }]);
        applied.push({ change, message: after, conversation: next });
        return after;
      }
      throw conversationBusy();
    });
    for (const entry of applied) await this.publish(entry.conversation, entry.change, entry.message);
    return result;
  }

  /** Applies and records the changes a writer stored above the recorded `eventSeq` but never recorded. */
  private async catchUp(
    lease: ConversationLease,
    conversation: Conversation,
    applied: Array<{ change: MessageChange; message: ChatMessage; conversation: Conversation }>,
  ): Promise<Conversation> {
    const leftovers = await this.changes.after(conversation.id, conversation.eventSeq, MAX_LEFTOVERS);
    const folded: Array<{ change: MessageChange; message: ChatMessage | null }> = [];
    for (const change of leftovers) {
      await this.messages.applyPatch(conversation.id, change.messageId, change.seq, change.patch);
      folded.push({ change, message: await this.messages.findOne(conversation.id, change.messageId) });
    }
    const next = await this.record(lease, conversation, folded);
    for (const { change, message } of folded) if (message) applied.push({ change, message, conversation: next });
    return next;
  }

  /** Writes what the changes make of the conversation document, under the lease's fence. */
  private async record(
    lease: ConversationLease,
    base: Conversation,
    changes: ReadonlyArray<{ change: MessageChange; message: ChatMessage | null }>,
  ): Promise<Conversation> {
    let next = base;
    for (const { change, message } of changes) next = await this.effect(next, change, message);
    const write = { lease, base, next: { ...next, ...stampFor(base, lease) } };
    const refused = await this.conversations.record([write]);
    if (refused.has(base.id)) throw conversationBusy(); // a newer lease took over: the client retries
    return write.next;
  }

  /** What one change does to the conversation document besides moving its `eventSeq`. */
  private async effect(
    conversation: Conversation,
    change: MessageChange,
    message: ChatMessage | null,
  ): Promise<Conversation> {
    const next: Conversation = { ...conversation, eventSeq: Math.max(conversation.eventSeq, change.seq) };
    if (!message) return next;
    const preview = conversation.lastMessage?.messageId === message.id ? conversation.lastMessage : null;
    switch (change.type) {
      case 'MESSAGE_EDITED':
        return preview ? { ...next, lastMessage: { ...preview, message: message.message } } : next;
      case 'MESSAGE_PINNED':
        if (next.pins.some((pin) => pin.messageId === message.id)) return next;
        return {
          ...next,
          pins: [
            ...next.pins,
            { messageId: message.id, seq: message.seq, pinnedAt: change.occurredAt, pinnedBy: change.actorId },
          ],
        };
      case 'MESSAGE_UNPINNED':
        return { ...next, pins: next.pins.filter((pin) => pin.messageId !== message.id) };
      case 'MESSAGE_DELETED':
        return this.afterDelete(next, message, preview !== null);
      default:
        return next;
    }
  }

  /**
   * A deleted message stops counting as unread for whoever had not read it (DIRECT: the receiver's
   * count; a group: its deletions list, see unread.ts), leaves the pins, and hands the preview to
   * the newest message still there.
   */
  private async afterDelete(
    conversation: Conversation,
    message: ChatMessage,
    wasPreview: boolean,
  ): Promise<Conversation> {
    let next: Conversation = { ...conversation, pins: conversation.pins.filter((pin) => pin.messageId !== message.id) };
    if (conversation.kind === 'DIRECT' && message.receiverId !== null) {
      const receiver = memberState(conversation, message.receiverId);
      if (!message.isRead && message.seq > receiver.clearedSeq) {
        next = {
          ...next,
          members: {
            ...next.members,
            [message.receiverId]: { ...receiver, unreadCount: Math.max(0, receiver.unreadCount - 1) },
          },
        };
      }
    } else if (conversation.group && message.messageType !== 'system') {
      const trimmed = trimDeletions([...conversation.group.deletions, message.seq], conversation.group.deletionsFloor);
      next = { ...next, group: { ...conversation.group, ...trimmed } };
    }
    if (!wasPreview) return next;
    const latest = await this.messages.latestVisible(conversation.id, conversation.lastSeq);
    const preview = latest ? previewOf(latest) : null;
    return { ...next, lastMessage: preview, lastMessageTime: preview?.createdAt ?? null };
  }

  private async publish(conversation: Conversation, change: MessageChange, message: ChatMessage): Promise<void> {
    const { id: conversationId } = conversation;
    const participants =
      conversation.kind === 'DIRECT' ? parseConversationId(conversationId, 'conversationId').participants : null;
    const memberVersion = conversation.group ? { memberVersion: conversation.group.memberVersion } : {};
    await this.publisher.publish({
      kind: 'MESSAGE_CHANGED',
      conversationId,
      participants,
      change: {
        seq: change.seq,
        afterSeq: change.afterSeq,
        type: change.type,
        actorId: change.actorId,
        occurredAt: change.occurredAt.toISOString(),
        messageId: change.messageId,
        messageSeq: change.messageSeq,
        emoji: change.emoji,
      },
      message: toMessagePayload(message),
      ...memberVersion,
    });
    if (change.type !== 'MESSAGE_DELETED') return;
    // The seed-era messageDeleted subscription.
    await this.publisher.publish({
      kind: 'MESSAGE_DELETED',
      conversationId,
      messageId: message.id,
      seq: message.seq,
      deletedBy: change.actorId,
      otherUserId: participants ? (participants.find((id) => id !== change.actorId) ?? null) : null,
      deletedAt: (message.deletedAt ?? change.occurredAt).toISOString(),
      ...memberVersion,
    });
  }
}

import { mongo, Types, type Connection, type Model } from 'mongoose';
import type { ConversationId, UserId } from '../../domain/ids';
import type {
  MentionRange,
  MessagePatch,
  MessageRepository,
  NewChatMessage,
  VisibleRange,
} from '../../domain/message/message.repository';
import type { ChatMessage, MessageType } from '../../domain/message/message.types';
import { DUPLICATE_KEY } from '../errors';
import { SCALAR_FIELDS } from '../pushdown';
import { walkDown, walkUp } from '../seq-walk';
import { ChatMessageModelName, type ChatMessageDocument } from './chat-message.model';

const notDeleted = (doc: ChatMessageDocument) => doc.deletedAt == null;

function toChatMessage(doc: ChatMessageDocument): ChatMessage {
  return {
    id: doc._id.toHexString(),
    conversationId: doc.conversationId as ConversationId,
    seq: doc.seq,
    senderId: doc.senderId.toHexString() as UserId,
    receiverId: doc.receiverId ? (doc.receiverId.toHexString() as UserId) : null,
    message: doc.message,
    messageType: doc.messageType as MessageType,
    attachmentUrl: doc.attachmentUrl ?? null,
    clientMessageId: doc.clientMessageId,
    systemEvent: doc.systemEvent ?? null,
    tally: doc.tally ?? null,
    isRead: doc.isRead,
    readAt: doc.readAt ?? null,
    deletedAt: doc.deletedAt ?? null,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    replyToId: doc.replyToId ? doc.replyToId.toHexString() : null,
    mentions: (doc.mentions ?? []).map((id) => id.toHexString() as UserId),
    eventSeq: doc.eventSeq ?? 0,
    editedAt: doc.editedAt ?? null,
    edits: (doc.edits ?? []).map((edit) => ({ message: edit.message, editedAt: edit.editedAt })),
    reactions: (doc.reactions ?? []).map((reaction) => ({
      emoji: reaction.emoji,
      userIds: reaction.userIds as UserId[],
    })),
    pinnedAt: doc.pinnedAt ?? null,
    pinnedBy: (doc.pinnedBy as UserId | null | undefined) ?? null,
    changeSeq: doc.changeSeq ?? 0,
    attachments: (doc.attachments ?? []).map((attachment) => ({
      ...attachment,
      id: attachment.id.toHexString(),
      width: attachment.width ?? null,
      height: attachment.height ?? null,
    })),
  };
}

/** The `$set` of a patch: only the fields it sets (an edit's earlier version is pushed). */
function storedPatch(patch: MessagePatch): Partial<ChatMessageDocument> {
  const stored: Partial<ChatMessageDocument> = {};
  if (patch.message !== undefined) stored.message = patch.message;
  if (patch.editedAt !== undefined) stored.editedAt = patch.editedAt;
  if (patch.reactions !== undefined)
    stored.reactions = patch.reactions.map((reaction) => ({ emoji: reaction.emoji, userIds: [...reaction.userIds] }));
  if (patch.pinnedAt !== undefined) stored.pinnedAt = patch.pinnedAt;
  if (patch.pinnedBy !== undefined) stored.pinnedBy = patch.pinnedBy;
  if (patch.deletedAt !== undefined) {
    stored.deletedAt = patch.deletedAt;
    if (patch.deletedAt !== null) stored.deleted = true;
  }
  return stored;
}

export class MongoMessageRepository implements MessageRepository {
  private readonly model: Model<ChatMessageDocument>;

  constructor(connection: Connection) {
    this.model = connection.model<ChatMessageDocument>(ChatMessageModelName);
  }

  private get collection(): mongo.Collection<ChatMessageDocument> {
    return this.model.collection as unknown as mongo.Collection<ChatMessageDocument>;
  }

  async findByClientMessageId(
    conversationId: ConversationId,
    senderId: UserId,
    clientMessageId: string,
  ): Promise<ChatMessage | null> {
    const doc = await this.model
      .findOne({ ...SCALAR_FIELDS, conversationId, senderId: new Types.ObjectId(senderId), clientMessageId })
      .lean<ChatMessageDocument>();
    return doc ? toChatMessage(doc) : null;
  }

  async insertMany(messages: readonly NewChatMessage[]): Promise<Array<ChatMessage | null>> {
    if (messages.length === 0) return [];
    const now = new Date();
    // Built here, not by mongoose: the domain has validated them, and hydrating documents is the
    // costliest part of an insert on the hot path.
    const docs: ChatMessageDocument[] = messages.map((message) => ({
      _id: new Types.ObjectId(),
      conversationId: message.conversationId,
      senderId: new Types.ObjectId(message.senderId),
      receiverId: message.receiverId === null ? null : new Types.ObjectId(message.receiverId),
      message: message.message,
      messageType: message.messageType,
      attachmentUrl: message.attachmentUrl,
      isRead: false,
      readAt: null,
      deletedAt: null,
      seq: message.seq,
      clientMessageId: message.clientMessageId,
      // Only where set, so a DIRECT message's document is exactly what it was before groups.
      ...(message.systemEvent ? { systemEvent: message.systemEvent } : {}),
      ...(message.tally !== null ? { tally: message.tally } : {}),
      ...(message.replyToId !== null ? { replyToId: new Types.ObjectId(message.replyToId) } : {}),
      ...(message.mentions.length > 0 ? { mentions: message.mentions.map((id) => new Types.ObjectId(id)) } : {}),
      ...(message.eventSeq > 0 ? { eventSeq: message.eventSeq } : {}),
      ...(message.attachments.length > 0
        ? {
            attachments: message.attachments.map((attachment) => ({
              ...attachment,
              id: new Types.ObjectId(attachment.id),
            })),
          }
        : {}),
      createdAt: now,
      updatedAt: now,
    }));
    let storedCount = docs.length;
    try {
      await this.collection.insertMany(docs, { ordered: true });
    } catch (error) {
      if (!(error instanceof mongo.MongoBulkWriteError)) throw error;
      const [first] = ([] as mongo.WriteError[]).concat(error.writeErrors);
      if (!first || first.code !== DUPLICATE_KEY) throw error;
      storedCount = first.index;
    }
    return docs.map((doc, index) => (index < storedCount ? toChatMessage(doc) : null));
  }

  /** The documents at these positions of the conversation: lookups in its `(conversationId, seq)` index. */
  private atSeqs(conversationId: ConversationId, seqs: number[]): Promise<ChatMessageDocument[]> {
    return this.model.find({ ...SCALAR_FIELDS, conversationId, seq: { $in: seqs } }).lean<ChatMessageDocument[]>();
  }

  async unrecorded(conversationId: ConversationId, afterSeq: number): Promise<ChatMessage[]> {
    // Only a writer that died leaves messages above the recorded top: a few batches at most.
    const docs: ChatMessageDocument[] = [];
    for (let from = afterSeq; ; from += 64) {
      const batch = (
        await this.atSeqs(
          conversationId,
          Array.from({ length: 64 }, (_, i) => from + 1 + i),
        )
      ).sort((a, b) => a.seq - b.seq);
      docs.push(...batch);
      if (batch.length < 64) return docs.map(toChatMessage);
    }
  }

  async findById(id: string): Promise<ChatMessage | null> {
    if (!Types.ObjectId.isValid(id)) return null;
    const doc = await this.model.findById(new Types.ObjectId(id)).lean<ChatMessageDocument>();
    return doc ? toChatMessage(doc) : null;
  }

  async newestFirst(
    range: VisibleRange,
    beforeSeq: number | null,
    skip: number,
    limit: number,
  ): Promise<ChatMessage[]> {
    const fromSeq = beforeSeq === null ? range.topSeq : Math.min(beforeSeq - 1, range.topSeq);
    const walked = await walkDown(
      (seqs) => this.atSeqs(range.conversationId, seqs),
      notDeleted,
      fromSeq,
      range.floorSeq,
      skip + limit,
    );
    if (walked) return walked.slice(skip).map(toChatMessage);
    const docs = await this.model
      .find({
        ...SCALAR_FIELDS,
        conversationId: range.conversationId,
        seq: { $gt: range.floorSeq, $lte: fromSeq },
        deletedAt: null,
      })
      .sort({ seq: -1 })
      .skip(skip)
      .limit(limit)
      .lean<ChatMessageDocument[]>();
    return docs.map(toChatMessage);
  }

  async oldestFirstAfter(range: VisibleRange, afterSeq: number, limit: number): Promise<ChatMessage[]> {
    const fromSeq = Math.max(afterSeq, range.floorSeq);
    const walked = await walkUp(
      (seqs) => this.atSeqs(range.conversationId, seqs),
      notDeleted,
      fromSeq,
      limit,
      range.topSeq,
    );
    if (walked) return walked.map(toChatMessage);
    const docs = await this.model
      .find({ ...SCALAR_FIELDS, conversationId: range.conversationId, seq: { $gt: fromSeq }, deletedAt: null })
      .sort({ seq: 1 })
      .limit(limit)
      .lean<ChatMessageDocument[]>();
    return docs.map(toChatMessage);
  }

  async count(range: VisibleRange): Promise<number> {
    // Every position up to the recorded top holds a message (no seq is burnt: message.writer.ts),
    // so the visible ones are the span less its deletions: a cost that follows deletions, not
    // history (counting the messages themselves read the whole conversation on FerretDB).
    const span = range.topSeq - range.floorSeq;
    if (span <= 0) return 0;
    return span - (await this.deletedIn(range.conversationId, range.floorSeq, range.topSeq, true));
  }

  /** Deleted messages with `afterSeq < seq <= upToSeq`, through the `(conversationId, deleted, seq)` index. */
  private deletedIn(
    conversationId: ConversationId,
    afterSeq: number,
    upToSeq: number,
    withSystem: boolean,
  ): Promise<number> {
    return this.model.countDocuments({
      ...SCALAR_FIELDS,
      conversationId,
      deleted: true,
      seq: { $gt: afterSeq, $lte: upToSeq },
      ...(withSystem ? {} : { messageType: { $ne: 'system' } }),
    });
  }

  async unreadFor(
    range: VisibleRange,
    receiverId: UserId,
    upToSeq: number,
    only: { ids?: readonly string[] },
  ): Promise<ChatMessage[]> {
    const docs = await this.model
      .find({
        ...SCALAR_FIELDS,
        conversationId: range.conversationId,
        receiverId: new Types.ObjectId(receiverId),
        isRead: false,
        deletedAt: null,
        seq: { $gt: range.floorSeq, $lte: upToSeq },
        ...(only.ids ? { _id: { $in: only.ids.map((id) => new Types.ObjectId(id)) } } : {}),
      })
      .sort({ seq: 1 })
      .lean<ChatMessageDocument[]>();
    return docs.map(toChatMessage);
  }

  async markRead(conversationId: ConversationId, ids: readonly string[], readAt: Date): Promise<number> {
    if (ids.length === 0) return 0;
    const result = await this.model.updateMany(
      { ...SCALAR_FIELDS, conversationId, _id: { $in: ids.map((id) => new Types.ObjectId(id)) }, isRead: false },
      { $set: { isRead: true, readAt } },
    );
    return result.modifiedCount;
  }

  async findInConversation(conversationId: ConversationId, ids: readonly string[]): Promise<ChatMessage[]> {
    if (ids.length === 0) return [];
    const docs = await this.model
      .find({ ...SCALAR_FIELDS, conversationId, _id: { $in: ids.map((id) => new Types.ObjectId(id)) } })
      .sort({ seq: 1 })
      .lean<ChatMessageDocument[]>();
    return docs.map(toChatMessage);
  }

  countDeleted(conversationId: ConversationId, afterSeq: number, upToSeq: number): Promise<number> {
    return this.deletedIn(conversationId, afterSeq, upToSeq, false);
  }

  async applyPatch(conversationId: ConversationId, id: string, changeSeq: number, patch: MessagePatch): Promise<void> {
    await this.collection.updateOne(
      // Documents from before the timeline have no changeSeq: `$not $gte` matches them too.
      { _id: new Types.ObjectId(id), conversationId, changeSeq: { $not: { $gte: changeSeq } } },
      {
        $set: { ...storedPatch(patch), changeSeq, updatedAt: new Date() },
        ...(patch.appendEdit ? { $push: { edits: { ...patch.appendEdit } } } : {}),
      },
    );
  }

  async findOne(conversationId: ConversationId, id: string): Promise<ChatMessage | null> {
    if (!Types.ObjectId.isValid(id)) return null;
    const doc = await this.model
      .findOne({ ...SCALAR_FIELDS, _id: new Types.ObjectId(id), conversationId })
      .lean<ChatMessageDocument>();
    return doc ? toChatMessage(doc) : null;
  }

  async findCarrying(conversationId: ConversationId, attachmentId: string): Promise<ChatMessage | null> {
    const doc = await this.model
      .findOne({ ...SCALAR_FIELDS, conversationId, 'attachments.id': new Types.ObjectId(attachmentId) })
      .lean<ChatMessageDocument>();
    return doc ? toChatMessage(doc) : null;
  }

  async replies(range: VisibleRange, replyToId: string, afterSeq: number, limit: number): Promise<ChatMessage[]> {
    const docs = await this.model
      .find({
        ...SCALAR_FIELDS,
        conversationId: range.conversationId,
        replyToId: new Types.ObjectId(replyToId),
        seq: { $gt: Math.max(afterSeq, range.floorSeq) },
        deletedAt: null,
      })
      .sort({ seq: 1 })
      .limit(limit)
      .lean<ChatMessageDocument[]>();
    return docs.map(toChatMessage);
  }

  async countReplies(conversationId: ConversationId, ids: readonly string[]): Promise<Map<string, number>> {
    if (ids.length === 0) return new Map();
    const rows = await this.collection
      .aggregate<{ _id: Types.ObjectId; count: number }>([
        {
          $match: {
            ...SCALAR_FIELDS,
            conversationId,
            replyToId: { $in: ids.map((id) => new Types.ObjectId(id)) },
            deletedAt: null,
          },
        },
        { $group: { _id: '$replyToId', count: { $sum: 1 } } },
      ])
      .toArray();
    return new Map(rows.map((row) => [row._id.toHexString(), row.count]));
  }

  async countMentions(userId: UserId, ranges: readonly MentionRange[]): Promise<Map<ConversationId, number>> {
    if (ranges.length === 0) return new Map();
    const user = new Types.ObjectId(userId);
    const rows = await this.collection
      .aggregate<{ _id: string; count: number }>([
        {
          $match: {
            // Redundant with the branches, and what an index answers on every store.
            ...SCALAR_FIELDS,
            conversationId: { $in: ranges.map((range) => range.conversationId) },
            $or: ranges.map((range) => ({
              conversationId: range.conversationId,
              mentions: user,
              seq: { $gt: range.floorSeq },
              ...(range.direct ? { isRead: false } : {}),
            })),
            senderId: { $ne: user },
            deletedAt: null,
          },
        },
        { $group: { _id: '$conversationId', count: { $sum: 1 } } },
      ])
      .toArray();
    return new Map(rows.map((row) => [row._id as ConversationId, row.count]));
  }

  async latestVisible(conversationId: ConversationId, topSeq: number): Promise<ChatMessage | null> {
    const [newest] = await this.newestFirst({ conversationId, floorSeq: 0, topSeq }, null, 0, 1);
    return newest ?? null;
  }

  async search(ranges: readonly VisibleRange[], pattern: string, limit: number): Promise<ChatMessage[]> {
    if (ranges.length === 0) return [];
    const docs = await this.model
      .find({
        ...SCALAR_FIELDS,
        conversationId: { $in: ranges.map((range) => range.conversationId) },
        $or: ranges.map((range) => ({ conversationId: range.conversationId, seq: { $gt: range.floorSeq } })),
        deletedAt: null,
        // A group's SYSTEM messages ("Added 2 members") are not what anyone searches for.
        messageType: { $ne: 'system' },
        message: { $regex: pattern, $options: 'i' },
      })
      .sort({ createdAt: -1, _id: -1 })
      .limit(limit)
      .lean<ChatMessageDocument[]>();
    return docs.map(toChatMessage);
  }
}

import { mongo, Types, type Connection, type Model } from 'mongoose';
import type { ConversationId, UserId } from '../../domain/ids';
import type { MessageRepository, NewChatMessage, VisibleRange } from '../../domain/message/message.repository';
import type { ChatMessage, MessageType } from '../../domain/message/message.types';
import { DUPLICATE_KEY } from '../errors';
import { ChatMessageModelName, type ChatMessageDocument } from './chat-message.model';

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
  };
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
      .findOne({ conversationId, senderId: new Types.ObjectId(senderId), clientMessageId })
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

  async unrecorded(conversationId: ConversationId, afterSeq: number): Promise<ChatMessage[]> {
    const docs = await this.model
      .find({ conversationId, seq: { $gt: afterSeq } })
      .sort({ seq: 1 })
      .lean<ChatMessageDocument[]>();
    return docs.map(toChatMessage);
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
    const seq = beforeSeq === null ? { $gt: range.floorSeq } : { $gt: range.floorSeq, $lt: beforeSeq };
    const docs = await this.model
      .find({ conversationId: range.conversationId, seq, deletedAt: null })
      .sort({ seq: -1 })
      .skip(skip)
      .limit(limit)
      .lean<ChatMessageDocument[]>();
    return docs.map(toChatMessage);
  }

  async oldestFirstAfter(range: VisibleRange, afterSeq: number, limit: number): Promise<ChatMessage[]> {
    const docs = await this.model
      .find({ conversationId: range.conversationId, seq: { $gt: Math.max(afterSeq, range.floorSeq) }, deletedAt: null })
      .sort({ seq: 1 })
      .limit(limit)
      .lean<ChatMessageDocument[]>();
    return docs.map(toChatMessage);
  }

  count(range: VisibleRange): Promise<number> {
    return this.model.countDocuments({
      conversationId: range.conversationId,
      seq: { $gt: range.floorSeq },
      deletedAt: null,
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
      { conversationId, _id: { $in: ids.map((id) => new Types.ObjectId(id)) }, isRead: false },
      { $set: { isRead: true, readAt } },
    );
    return result.modifiedCount;
  }

  async findInConversation(conversationId: ConversationId, ids: readonly string[]): Promise<ChatMessage[]> {
    if (ids.length === 0) return [];
    const docs = await this.model
      .find({ conversationId, _id: { $in: ids.map((id) => new Types.ObjectId(id)) } })
      .sort({ seq: 1 })
      .lean<ChatMessageDocument[]>();
    return docs.map(toChatMessage);
  }

  countDeleted(conversationId: ConversationId, afterSeq: number, upToSeq: number): Promise<number> {
    return this.model.countDocuments({
      conversationId,
      seq: { $gt: afterSeq, $lte: upToSeq },
      deletedAt: { $ne: null },
      messageType: { $ne: 'system' },
    });
  }

  async softDelete(id: string, senderId: UserId, at: Date): Promise<ChatMessage | null> {
    const before = await this.model
      .findOneAndUpdate(
        { _id: new Types.ObjectId(id), senderId: new Types.ObjectId(senderId), deletedAt: null },
        { $set: { deletedAt: at } },
        { returnDocument: 'before' },
      )
      .lean<ChatMessageDocument>();
    return before ? toChatMessage(before) : null;
  }

  async latestVisible(conversationId: ConversationId): Promise<ChatMessage | null> {
    const doc = await this.model
      .findOne({ conversationId, deletedAt: null })
      .sort({ seq: -1 })
      .lean<ChatMessageDocument>();
    return doc ? toChatMessage(doc) : null;
  }

  async search(ranges: readonly VisibleRange[], pattern: string, limit: number): Promise<ChatMessage[]> {
    if (ranges.length === 0) return [];
    const docs = await this.model
      .find({
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

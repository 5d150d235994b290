import { Types, type Connection, type Model } from 'mongoose';
import type { ConversationId, UserId } from '../../domain/ids';
import type { InsertResult, MessageRepository, NewChatMessage } from '../../domain/message/message.repository';
import type { ChatMessage, MessageType } from '../../domain/message/message.types';
import { ChatMessageModelName, type ChatMessageDocument } from './chat-message.model';

const DUPLICATE_KEY = 11000;

function toChatMessage(doc: ChatMessageDocument): ChatMessage {
  return {
    id: doc._id.toHexString(),
    conversationId: doc.conversationId as ConversationId,
    seq: doc.seq,
    senderId: doc.senderId.toHexString() as UserId,
    receiverId: doc.receiverId.toHexString() as UserId,
    message: doc.message,
    messageType: doc.messageType as MessageType,
    attachmentUrl: doc.attachmentUrl ?? null,
    clientMessageId: doc.clientMessageId,
    isRead: doc.isRead,
    readAt: doc.readAt ?? null,
    deletedAt: doc.deletedAt ?? null,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === DUPLICATE_KEY;
}

export class MongoMessageRepository implements MessageRepository {
  private readonly model: Model<ChatMessageDocument>;

  constructor(connection: Connection) {
    this.model = connection.model<ChatMessageDocument>(ChatMessageModelName);
  }

  async findByClientMessageId(senderId: UserId, clientMessageId: string): Promise<ChatMessage | null> {
    const doc = await this.model
      .findOne({ senderId: new Types.ObjectId(senderId), clientMessageId })
      .lean<ChatMessageDocument>();
    return doc ? toChatMessage(doc) : null;
  }

  async insert(message: NewChatMessage): Promise<InsertResult> {
    try {
      const created = await this.model.create({
        ...message,
        senderId: new Types.ObjectId(message.senderId),
        receiverId: new Types.ObjectId(message.receiverId),
      });
      return { inserted: toChatMessage(created.toObject<ChatMessageDocument>()) };
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      const original = await this.findByClientMessageId(message.senderId, message.clientMessageId);
      // The other unique index (conversationId, seq) cannot collide: seqs come from an atomic $inc.
      if (!original) throw error;
      return { duplicateOf: original };
    }
  }

  async newestFirst(
    conversationId: ConversationId,
    afterSeq: number,
    skip: number,
    limit: number,
  ): Promise<ChatMessage[]> {
    const docs = await this.model
      .find({ conversationId, seq: { $gt: afterSeq }, deletedAt: null })
      .sort({ seq: -1 })
      .skip(skip)
      .limit(limit)
      .lean<ChatMessageDocument[]>();
    return docs.map(toChatMessage);
  }

  async oldestFirstAfter(conversationId: ConversationId, afterSeq: number, limit: number): Promise<ChatMessage[]> {
    const docs = await this.model
      .find({ conversationId, seq: { $gt: afterSeq }, deletedAt: null })
      .sort({ seq: 1 })
      .limit(limit)
      .lean<ChatMessageDocument[]>();
    return docs.map(toChatMessage);
  }

  countAfter(conversationId: ConversationId, afterSeq: number): Promise<number> {
    return this.model.countDocuments({ conversationId, seq: { $gt: afterSeq }, deletedAt: null });
  }
}

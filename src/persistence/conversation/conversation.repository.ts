import type { Connection, Model } from 'mongoose';
import type { Conversation, ConversationRepository, MemberState } from '../../domain/conversation/conversation.types';
import type { ConversationId, UserId } from '../../domain/ids';
import type { ChatMessage, MessageType } from '../../domain/message/message.types';
import { ConversationModelName, type ConversationDocument } from './conversation.model';

function toMemberState(raw: NonNullable<ConversationDocument['members']>[string] | undefined): MemberState {
  return {
    unreadCount: Math.max(0, raw?.unreadCount ?? 0),
    readSeq: raw?.readSeq ?? 0,
    clearedSeq: raw?.clearedSeq ?? 0,
    hidden: raw?.hidden ?? false,
  };
}

function toConversation(doc: ConversationDocument): Conversation {
  const [first, second] = doc.participants as [UserId, UserId];
  return {
    id: doc._id as ConversationId,
    participants: [first, second],
    lastMessage: doc.lastMessage
      ? {
          messageId: doc.lastMessage.messageId.toHexString(),
          seq: doc.lastMessage.seq,
          senderId: doc.lastMessage.senderId as UserId,
          message: doc.lastMessage.message,
          messageType: doc.lastMessage.messageType as MessageType,
          createdAt: doc.lastMessage.createdAt,
        }
      : null,
    lastMessageTime: doc.lastMessageTime,
    lastSeq: doc.lastSeq,
    members: { [first]: toMemberState(doc.members?.[first]), [second]: toMemberState(doc.members?.[second]) },
  };
}

export class MongoConversationRepository implements ConversationRepository {
  private readonly model: Model<ConversationDocument>;

  constructor(connection: Connection) {
    this.model = connection.model<ConversationDocument>(ConversationModelName);
  }

  async findById(id: ConversationId): Promise<Conversation | null> {
    const doc = await this.model.findById(id).lean<ConversationDocument>();
    return doc ? toConversation(doc) : null;
  }

  async reserveSeq(id: ConversationId, participants: readonly [UserId, UserId]): Promise<number> {
    const doc = await this.model
      .findOneAndUpdate(
        { _id: id },
        { $inc: { lastSeq: 1 }, $setOnInsert: { participants: [...participants].sort() } },
        // No projection: FerretDB does not implement findAndModify's `fields`.
        { upsert: true, returnDocument: 'after' },
      )
      .lean<Pick<ConversationDocument, 'lastSeq'>>();
    if (!doc) throw new Error(`Conversation ${id} vanished during upsert`);
    return doc.lastSeq;
  }

  async recordMessage(message: ChatMessage): Promise<void> {
    // Two updates, because the preview may only move forward (a slower concurrent send must not
    // overwrite a newer preview) while the unread count must always count this message.
    await this.model.updateOne(
      { _id: message.conversationId },
      {
        $inc: { [`members.${message.receiverId}.unreadCount`]: 1 },
        $set: { [`members.${message.receiverId}.hidden`]: false, [`members.${message.senderId}.hidden`]: false },
      },
    );
    await this.model.updateOne(
      { _id: message.conversationId, 'lastMessage.seq': { $not: { $gte: message.seq } } },
      {
        $set: {
          lastMessage: {
            messageId: message.id,
            seq: message.seq,
            senderId: message.senderId,
            message: message.message,
            messageType: message.messageType,
            createdAt: message.createdAt,
          },
          lastMessageTime: message.createdAt,
        },
      },
    );
  }
}

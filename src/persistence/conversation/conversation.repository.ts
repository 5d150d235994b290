import { Types, type Connection, type Model } from 'mongoose';
import {
  previewOf,
  type Conversation,
  type ConversationRepository,
  type MemberState,
  type MessagePreview,
} from '../../domain/conversation/conversation.types';
import type { ConversationId, UserId } from '../../domain/ids';
import type { ChatMessage, MessageType } from '../../domain/message/message.types';
import { ConversationModelName, type ConversationDocument } from './conversation.model';

type StoredMember = NonNullable<ConversationDocument['members']>[string] | undefined;

function toMemberState(raw: StoredMember): MemberState {
  return {
    // Concurrent decrements (read on two devices at once) may overshoot; never show a negative count.
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
    lastActivityAt: doc.lastActivityAt ?? doc.lastMessageTime ?? new Date(0),
    lastSeq: doc.lastSeq,
    members: { [first]: toMemberState(doc.members?.[first]), [second]: toMemberState(doc.members?.[second]) },
  };
}

function storedPreview(preview: MessagePreview) {
  return { ...preview, messageId: new Types.ObjectId(preview.messageId) };
}

/** Attempts for optimistic updates that race with sends. @default 5 */
const MAX_ATTEMPTS = 5;

export class MongoConversationRepository implements ConversationRepository {
  private readonly model: Model<ConversationDocument>;

  constructor(connection: Connection) {
    this.model = connection.model<ConversationDocument>(ConversationModelName);
  }

  async findById(id: ConversationId): Promise<Conversation | null> {
    const doc = await this.model.findById(id).lean<ConversationDocument>();
    return doc ? toConversation(doc) : null;
  }

  async listVisibleFor(userId: UserId, limit: number): Promise<Conversation[]> {
    const docs = await this.model
      .find({ participants: userId, [`members.${userId}.hidden`]: { $ne: true } })
      .sort({ lastActivityAt: -1, _id: 1 })
      .limit(limit)
      .lean<ConversationDocument[]>();
    return docs.map(toConversation);
  }

  async listAllFor(userId: UserId): Promise<Conversation[]> {
    const docs = await this.model.find({ participants: userId }).lean<ConversationDocument[]>();
    return docs.map(toConversation);
  }

  async reserveSeq(id: ConversationId, participants: readonly [UserId, UserId]): Promise<number> {
    const doc = await this.model
      .findOneAndUpdate(
        { _id: id },
        { $inc: { lastSeq: 1 }, $setOnInsert: { participants: [...participants].sort(), lastActivityAt: new Date() } },
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
        $max: { lastActivityAt: message.createdAt },
      },
    );
    await this.model.updateOne(
      { _id: message.conversationId, 'lastMessage.seq': { $not: { $gte: message.seq } } },
      {
        $set: {
          lastMessage: storedPreview(previewOf(message)),
          lastMessageTime: message.createdAt,
        },
      },
    );
  }

  async lastSeq(id: ConversationId): Promise<number> {
    const doc = await this.model.findById(id, { lastSeq: 1 }).lean<Pick<ConversationDocument, 'lastSeq'>>();
    return doc?.lastSeq ?? 0;
  }

  async recordSerialized(message: ChatMessage): Promise<void> {
    await this.model.updateOne(
      { _id: message.conversationId },
      {
        $set: {
          lastSeq: message.seq,
          lastMessage: storedPreview(previewOf(message)),
          lastMessageTime: message.createdAt,
          [`members.${message.receiverId}.hidden`]: false,
          [`members.${message.senderId}.hidden`]: false,
        },
        $inc: { [`members.${message.receiverId}.unreadCount`]: 1 },
        $max: { lastActivityAt: message.createdAt },
        $setOnInsert: { participants: [message.senderId, message.receiverId].sort() },
      },
      { upsert: true },
    );
  }

  async open(id: ConversationId, participants: readonly [UserId, UserId], openedBy: UserId): Promise<void> {
    await this.model.updateOne(
      { _id: id },
      {
        $setOnInsert: { participants: [...participants].sort(), lastSeq: 0 },
        $set: { [`members.${openedBy}.hidden`]: false, lastActivityAt: new Date() },
      },
      { upsert: true },
    );
  }

  async markRead(id: ConversationId, readerId: UserId, readSeq: number, readCount: number): Promise<void> {
    await this.model.updateOne(
      { _id: id },
      { $max: { [`members.${readerId}.readSeq`]: readSeq }, $inc: { [`members.${readerId}.unreadCount`]: -readCount } },
    );
  }

  async hideFor(id: ConversationId, userId: UserId): Promise<void> {
    // Optimistic: hide exactly what existed when we looked. A message that lands in between bumps
    // lastSeq, the condition fails, and we look again, so that message is never hidden unseen.
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      const current = await this.model.findById(id).lean<ConversationDocument>();
      if (!current) return;
      const result = await this.model.updateOne(
        { _id: id, lastSeq: current.lastSeq },
        {
          $set: {
            [`members.${userId}.hidden`]: true,
            [`members.${userId}.unreadCount`]: 0,
            [`members.${userId}.clearedSeq`]: current.lastSeq,
          },
          $max: { [`members.${userId}.readSeq`]: current.lastSeq },
        },
      );
      if (result.matchedCount === 1) return;
    }
    throw new Error(`Conversation ${id} kept changing while hiding it`);
  }

  async decrementUnread(id: ConversationId, userId: UserId, by: number): Promise<void> {
    if (by <= 0) return;
    await this.model.updateOne({ _id: id }, { $inc: { [`members.${userId}.unreadCount`]: -by } });
  }

  async replacePreview(id: ConversationId, messageId: string, preview: MessagePreview | null): Promise<void> {
    await this.model.updateOne(
      { _id: id, 'lastMessage.messageId': new Types.ObjectId(messageId) },
      {
        $set: {
          lastMessage: preview ? storedPreview(preview) : null,
          lastMessageTime: preview ? preview.createdAt : null,
        },
      },
    );
  }
}

import { Types, type Connection, type Model } from 'mongoose';
import type { ConversationId, UserId } from '../../domain/ids';
import type {
  ScheduledContent,
  ScheduledMessage,
  ScheduledMessageRepository,
  ScheduledStatus,
  ScheduledUpdate,
} from '../../domain/scheduling/scheduled-message.types';
import { ScheduledMessageModelName } from './scheduled-message.model';
import { SCALAR_FIELDS } from '../pushdown';

interface ScheduledMessageDocument {
  _id: Types.ObjectId;
  senderId: string;
  conversationId: string;
  content: ScheduledContent;
  sendAt: Date;
  status: ScheduledStatus;
  createdAt: Date;
  updatedAt: Date;
  sentMessageId: string | null;
  failure: { code: string; message: string } | null;
  attempts: number;
}

function toScheduled(doc: ScheduledMessageDocument): ScheduledMessage {
  return {
    id: doc._id.toHexString(),
    senderId: doc.senderId as UserId,
    conversationId: doc.conversationId as ConversationId,
    content: doc.content,
    sendAt: doc.sendAt,
    status: doc.status,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    sentMessageId: doc.sentMessageId ?? null,
    failure: doc.failure ?? null,
    attempts: doc.attempts ?? 0,
  };
}

export class MongoScheduledMessageRepository implements ScheduledMessageRepository {
  private readonly model: Model<ScheduledMessageDocument>;

  constructor(connection: Connection) {
    this.model = connection.model<ScheduledMessageDocument>(ScheduledMessageModelName);
  }

  async insert(scheduled: ScheduledMessage): Promise<void> {
    const { id, content, ...rest } = scheduled;
    await this.model.collection.insertOne({
      _id: new Types.ObjectId(id),
      ...rest,
      content: {
        ...content,
        attachmentIds: [...content.attachmentIds],
        mentionedUserIds: [...content.mentionedUserIds],
      },
    });
  }

  async find(senderId: UserId, id: string): Promise<ScheduledMessage | null> {
    const doc = await this.model.findOne({ _id: new Types.ObjectId(id), senderId }).lean<ScheduledMessageDocument>();
    return doc ? toScheduled(doc) : null;
  }

  countPending(senderId: UserId): Promise<number> {
    return this.model.countDocuments({ ...SCALAR_FIELDS, senderId, status: 'PENDING' });
  }

  async list(senderId: UserId, conversationId: ConversationId | null, since: Date): Promise<ScheduledMessage[]> {
    const docs = await this.model
      .find({
        ...SCALAR_FIELDS,
        senderId,
        ...(conversationId ? { conversationId } : {}),
        $or: [{ status: 'PENDING' }, { sendAt: { $gte: since } }],
      })
      .sort({ sendAt: 1 })
      .lean<ScheduledMessageDocument[]>();
    return docs.map(toScheduled);
  }

  async due(now: Date, limit: number): Promise<ScheduledMessage[]> {
    const docs = await this.model
      .find({ ...SCALAR_FIELDS, status: 'PENDING', sendAt: { $lte: now } })
      .sort({ sendAt: 1 })
      .limit(limit)
      .lean<ScheduledMessageDocument[]>();
    return docs.map(toScheduled);
  }

  async update(senderId: UserId, id: string, update: ScheduledUpdate): Promise<void> {
    await this.model.updateOne({ _id: new Types.ObjectId(id), senderId }, { $set: update });
  }
}

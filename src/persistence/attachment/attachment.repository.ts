import { Types, type Connection, type Model } from 'mongoose';
import type { AttachmentRepository, StoredAttachment } from '../../domain/attachment/attachment.types';
import type { ConversationId, UserId } from '../../domain/ids';
import { AttachmentModelName } from './attachment.model';

interface AttachmentDocument {
  _id: Types.ObjectId;
  ownerId: string;
  fileName: string;
  contentType: string;
  size: number;
  width: number | null;
  height: number | null;
  createdAt: Date;
  expiresAt: Date | null;
  conversationId: string | null;
}

function toAttachment(doc: AttachmentDocument): StoredAttachment {
  return {
    id: doc._id.toHexString(),
    ownerId: doc.ownerId as UserId,
    fileName: doc.fileName,
    contentType: doc.contentType,
    size: doc.size,
    width: doc.width ?? null,
    height: doc.height ?? null,
    createdAt: doc.createdAt,
    expiresAt: doc.expiresAt ?? null,
    conversationId: (doc.conversationId ?? null) as ConversationId | null,
  };
}

const objectIds = (ids: readonly string[]) => ids.map((id) => new Types.ObjectId(id));

export class MongoAttachmentRepository implements AttachmentRepository {
  private readonly model: Model<AttachmentDocument>;

  constructor(connection: Connection) {
    this.model = connection.model<AttachmentDocument>(AttachmentModelName);
  }

  async create(attachment: StoredAttachment): Promise<void> {
    const { id, ...rest } = attachment;
    await this.model.collection.insertOne({ _id: new Types.ObjectId(id), ...rest });
  }

  async findMany(ids: readonly string[]): Promise<StoredAttachment[]> {
    const docs = await this.model.find({ _id: { $in: objectIds(ids) } }).lean<AttachmentDocument[]>();
    return docs.map(toAttachment);
  }

  async claim(ids: readonly string[], conversationId: ConversationId): Promise<void> {
    await this.model.updateMany({ _id: { $in: objectIds(ids) } }, { $set: { conversationId } });
  }

  async setExpiry(ids: readonly string[], expiresAt: Date | null): Promise<void> {
    await this.model.updateMany({ _id: { $in: objectIds(ids) } }, { $set: { expiresAt } });
  }

  async release(ids: readonly string[], expiresAt: Date): Promise<void> {
    await this.model.updateMany({ _id: { $in: objectIds(ids) } }, { $set: { expiresAt, conversationId: null } });
  }

  async expired(now: Date, limit: number): Promise<StoredAttachment[]> {
    const docs = await this.model
      .find({ expiresAt: { $ne: null, $lte: now } })
      .sort({ expiresAt: 1 })
      .limit(limit)
      .lean<AttachmentDocument[]>();
    return docs.map(toAttachment);
  }

  async delete(ids: readonly string[]): Promise<void> {
    await this.model.deleteMany({ _id: { $in: objectIds(ids) } });
  }
}

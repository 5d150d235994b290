import { type mongo, Types, type Connection, type Model } from 'mongoose';
import type { ConversationId, UserId } from '../../domain/ids';
import type { MessagePatch } from '../../domain/message/message.repository';
import type { MessageChange, MessageChangeRepository, MessageChangeType } from '../../domain/timeline/timeline.types';
import { isDuplicateKeyError } from '../errors';
import { SCALAR_FIELDS } from '../pushdown';
import { walkUp } from '../seq-walk';
import { MessageChangeModelName, type MessageChangeDocument } from './message-change.model';

/** Dates inside a stored patch come back as dates (Mixed keeps them as BSON dates). */
function toPatch(stored: Record<string, unknown>): MessagePatch {
  return stored as MessagePatch;
}

function toChange(doc: MessageChangeDocument): MessageChange {
  return {
    conversationId: doc.conversationId as ConversationId,
    seq: doc.seq,
    afterSeq: doc.afterSeq,
    type: doc.type as MessageChangeType,
    actorId: doc.actorId as UserId,
    occurredAt: doc.occurredAt,
    messageId: doc.messageId.toHexString(),
    messageSeq: doc.messageSeq,
    emoji: doc.emoji ?? null,
    patch: toPatch(doc.patch),
  };
}

export class MongoMessageChangeRepository implements MessageChangeRepository {
  private readonly model: Model<MessageChangeDocument>;

  constructor(connection: Connection) {
    this.model = connection.model<MessageChangeDocument>(MessageChangeModelName);
  }

  private get collection(): mongo.Collection<MessageChangeDocument> {
    return this.model.collection as unknown as mongo.Collection<MessageChangeDocument>;
  }

  async insert(change: MessageChange): Promise<boolean> {
    try {
      await this.collection.insertOne({
        _id: new Types.ObjectId(),
        conversationId: change.conversationId,
        seq: change.seq,
        afterSeq: change.afterSeq,
        type: change.type,
        actorId: change.actorId,
        occurredAt: change.occurredAt,
        messageId: new Types.ObjectId(change.messageId),
        messageSeq: change.messageSeq,
        emoji: change.emoji,
        patch: { ...change.patch } as Record<string, unknown>,
      });
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  async after(conversationId: ConversationId, afterEventSeq: number, limit: number): Promise<MessageChange[]> {
    // Positions are dense from the oldest change kept up: the first one missing is the end (or,
    // right after the cursor, a change the retention sweep removed, which the caller detects).
    const walked = await walkUp(
      (seqs) =>
        this.model.find({ ...SCALAR_FIELDS, conversationId, seq: { $in: seqs } }).lean<MessageChangeDocument[]>(),
      () => true,
      afterEventSeq,
      limit,
      0,
    );
    if (walked) return walked.map(toChange);
    const docs = await this.model
      .find({ ...SCALAR_FIELDS, conversationId, seq: { $gt: afterEventSeq } })
      .sort({ seq: 1 })
      .limit(limit)
      .lean<MessageChangeDocument[]>();
    return docs.map(toChange);
  }

  async pruneBefore(before: Date): Promise<number> {
    const result = await this.collection.deleteMany({ occurredAt: { $lt: before } });
    return result.deletedCount;
  }
}

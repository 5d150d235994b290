import { type Connection, type Model, type mongo, Types } from 'mongoose';
import type { ConversationId, UserId } from '../../domain/ids';
import type {
  EventCheckpoint,
  EventCheckpointRepository,
  PositionVector,
} from '../../domain/timeline/user-events.types';
import { checkpointRangeOf, EventCheckpointModelName, type EventCheckpointDocument } from './event-checkpoint.model';

export class MongoEventCheckpointRepository implements EventCheckpointRepository {
  private readonly model: Model<EventCheckpointDocument>;

  constructor(connection: Connection) {
    this.model = connection.model<EventCheckpointDocument>(EventCheckpointModelName);
  }

  private get collection(): mongo.Collection<EventCheckpointDocument> {
    return this.model.collection as unknown as mongo.Collection<EventCheckpointDocument>;
  }

  async insert(userId: UserId, positions: PositionVector): Promise<string> {
    const id = new Types.ObjectId().toHexString();
    await this.collection.insertOne({
      _id: `${userId}|${id}`,
      positions: [...positions].map(([conversationId, position]) => ({
        c: conversationId,
        s: position.seq,
        e: position.eventSeq,
      })),
      createdAt: new Date(),
    });
    return id;
  }

  async find(userId: UserId, id: string): Promise<EventCheckpoint | null> {
    const doc = await this.model.findById(`${userId}|${id}`).lean<EventCheckpointDocument>();
    if (!doc) return null;
    return {
      id,
      userId,
      positions: new Map(doc.positions.map(({ c, s, e }) => [c as ConversationId, { seq: s, eventSeq: e }])),
      createdAt: doc.createdAt,
    };
  }

  async pruneFor(userId: UserId, keep: number): Promise<number> {
    // Ids grow with time (an ObjectId after the user's prefix), so the newest sort last.
    const ids = (await this.model.find({ _id: checkpointRangeOf(userId) }, { _id: 1 }).lean<Array<{ _id: string }>>())
      .map((doc) => doc._id)
      .sort();
    const old = ids.slice(0, Math.max(0, ids.length - keep));
    if (old.length === 0) return 0;
    return (await this.collection.deleteMany({ _id: { $in: old } })).deletedCount;
  }
}

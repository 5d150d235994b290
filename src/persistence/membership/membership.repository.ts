import type { Connection, Model, mongo } from 'mongoose';
import {
  membershipKey,
  type MemberCursor,
  type Membership,
  type MembershipRepository,
  type MembershipWrite,
} from '../../domain/conversation/membership.types';
import type { ConversationId, UserId } from '../../domain/ids';
import { MembershipModelName, type MembershipDocument } from './membership.model';

function toMembership(doc: MembershipDocument): Membership {
  return {
    conversationId: doc.conversationId as ConversationId,
    userId: doc.userId as UserId,
    joinedAt: doc.joinedAt,
    joinedSeq: doc.joinedSeq,
    read: { seq: doc.read.seq, tally: doc.read.tally },
    clearedSeq: doc.clearedSeq ?? 0,
    hidden: doc.hidden ?? false,
  };
}

/** Every record of one group: the `_id`s with its prefix (which routes the query to its shards). */
function groupRange(conversationId: ConversationId) {
  const prefix = membershipKey(conversationId, '' as UserId);
  return { $gt: prefix, $lt: `${prefix}\uffff` };
}

function toOperation(write: MembershipWrite): mongo.AnyBulkWriteOperation<MembershipDocument> {
  switch (write.op) {
    case 'join': {
      const { membership } = write;
      const _id = membershipKey(membership.conversationId, membership.userId);
      return {
        replaceOne: {
          filter: { _id },
          replacement: { ...membership, read: { ...membership.read } } as Omit<MembershipDocument, '_id'>,
          upsert: true,
        },
      };
    }
    case 'leave':
      return { deleteOne: { filter: { _id: membershipKey(write.conversationId, write.userId) } } };
    case 'read':
      return {
        updateOne: {
          filter: { _id: membershipKey(write.conversationId, write.userId) },
          update: { $max: { read: { seq: write.read.seq, tally: write.read.tally } }, $set: { hidden: false } },
        },
      };
    case 'hide':
      return {
        updateOne: {
          filter: { _id: membershipKey(write.conversationId, write.userId) },
          update: {
            $max: { read: { seq: write.read.seq, tally: write.read.tally }, clearedSeq: write.clearedSeq },
            $set: { hidden: true },
          },
        },
      };
    default:
      throw new Error(`Unknown membership write ${JSON.stringify(write)}`);
  }
}

export class MongoMembershipRepository implements MembershipRepository {
  private readonly model: Model<MembershipDocument>;

  constructor(connection: Connection) {
    this.model = connection.model<MembershipDocument>(MembershipModelName);
  }

  private get collection(): mongo.Collection<MembershipDocument> {
    return this.model.collection as unknown as mongo.Collection<MembershipDocument>;
  }

  async find(conversationId: ConversationId, userId: UserId): Promise<Membership | null> {
    const doc = await this.model.findById(membershipKey(conversationId, userId)).lean<MembershipDocument>();
    return doc ? toMembership(doc) : null;
  }

  async findFor(userId: UserId, conversationIds: readonly ConversationId[]): Promise<Map<ConversationId, Membership>> {
    // One `_id` lookup per conversation, side by side: FerretDB v1 scans the collection for `$in`
    // and answers `_id` equality from its primary key (as conversation.repository.ts findMany).
    const docs = await Promise.all(
      conversationIds.map((id) => this.model.findById(membershipKey(id, userId)).lean<MembershipDocument>()),
    );
    return new Map(
      docs.flatMap((doc) => (doc ? [[doc.conversationId as ConversationId, toMembership(doc)] as const] : [])),
    );
  }

  async page(conversationId: ConversationId, after: MemberCursor | null, limit: number): Promise<Membership[]> {
    const position = after
      ? {
          $or: [
            { joinedSeq: { $gt: after.joinedSeq } },
            { joinedSeq: after.joinedSeq, _id: { $gt: membershipKey(conversationId, after.userId) } },
          ],
        }
      : {};
    const docs = await this.model
      .find({ _id: groupRange(conversationId), conversationId, ...position })
      .sort({ joinedSeq: 1, _id: 1 })
      .limit(limit)
      .lean<MembershipDocument[]>();
    return docs.map(toMembership);
  }

  async all(conversationId: ConversationId): Promise<Membership[]> {
    const docs = await this.model
      .find({ _id: groupRange(conversationId), conversationId })
      .sort({ joinedSeq: 1, _id: 1 })
      .lean<MembershipDocument[]>();
    return docs.map(toMembership);
  }

  async apply(writes: readonly MembershipWrite[]): Promise<void> {
    if (writes.length === 0) return;
    // Ordered: a user removed and added again within one batch ends up a member.
    await this.collection.bulkWrite(writes.map(toOperation), { ordered: true });
  }
}

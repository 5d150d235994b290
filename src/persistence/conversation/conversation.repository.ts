import { mongo, Types, type Connection, type Model } from 'mongoose';
import { conversationBusy, type ConversationLease } from '../../domain/conversation/conversation.lease';
import {
  type Conversation,
  type ConversationRepository,
  type ConversationWrite,
  type MemberState,
  type MessagePreview,
} from '../../domain/conversation/conversation.types';
import type { ConversationId, UserId } from '../../domain/ids';
import type { MessageType } from '../../domain/message/message.types';
import { isDuplicateKeyError } from '../errors';
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
    lastSeq: doc.lastSeq ?? 0,
    fence: doc.fence ?? 0,
    members: { [first]: toMemberState(doc.members?.[first]), [second]: toMemberState(doc.members?.[second]) },
  };
}

function storedPreview(preview: MessagePreview) {
  return { ...preview, messageId: new Types.ObjectId(preview.messageId) };
}

/** Matches the conversation unless a newer lease than `lease` has written it. */
function fenceFilter(lease: ConversationLease): mongo.Filter<ConversationDocument> {
  return lease.fence === null
    ? { _id: lease.conversationId }
    : { _id: lease.conversationId, fence: { $not: { $gt: lease.fence } } };
}

/** A write to a conversation that exists, as the writer read it (`expectedLastSeq` not null). */
function recordFilter(write: ConversationWrite): mongo.Filter<ConversationDocument> {
  return { ...fenceFilter(write.lease), lastSeq: write.expectedLastSeq ?? 0 };
}

/** The fields a write sets, absolute values only, so applying it twice is the same as once. */
function recordedFields(write: ConversationWrite): Record<string, unknown> {
  const set: Record<string, unknown> = { lastSeq: write.lastSeq };
  if (write.lease.fence !== null) set['fence'] = write.lease.fence;
  if (write.lastMessage) {
    set['lastMessage'] = storedPreview(write.lastMessage);
    set['lastMessageTime'] = write.lastMessage.createdAt;
  }
  for (const [userId, count] of Object.entries(write.unread)) set[`members.${userId}.unreadCount`] = count;
  for (const userId of write.unhide) set[`members.${userId}.hidden`] = false;
  return set;
}

function recordUpdate(write: ConversationWrite): mongo.UpdateFilter<ConversationDocument> {
  return { $set: recordedFields(write), $max: { lastActivityAt: write.lastActivityAt } };
}

/** The whole document a new conversation's first write creates (the same fields an update sets). */
function createdDocument(write: ConversationWrite): ConversationDocument {
  const document: Record<string, unknown> = {
    _id: write.lease.conversationId,
    participants: [...write.participants].sort(),
    lastActivityAt: write.lastActivityAt,
  };
  for (const [path, value] of Object.entries(recordedFields(write))) {
    const [head, userId, field] = path.split('.');
    if (head !== 'members' || !userId || !field) {
      document[path] = value;
      continue;
    }
    const members = (document['members'] ??= {}) as Record<string, Record<string, unknown>>;
    members[userId] = { ...members[userId], [field]: value };
  }
  return document as unknown as ConversationDocument;
}

export class MongoConversationRepository implements ConversationRepository {
  private readonly model: Model<ConversationDocument>;

  constructor(connection: Connection) {
    this.model = connection.model<ConversationDocument>(ConversationModelName);
  }

  /** The driver's collection, for batched and conditional writes that skip mongoose's casting. */
  private get collection(): mongo.Collection<ConversationDocument> {
    return this.model.collection as unknown as mongo.Collection<ConversationDocument>;
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

  async findMany(ids: readonly ConversationId[]): Promise<Map<ConversationId, Conversation>> {
    // One lookup per id, side by side, rather than one `$in`: FerretDB v1 answers `_id` equality
    // from its primary key but scans the collection for `$in` (500 documents: 6 ms against 38 ms
    // here; four parallel lookups 3 ms). On MongoDB both use the `_id` index.
    const docs = await Promise.all(ids.map((id) => this.model.findById(id).lean<ConversationDocument>()));
    return new Map(docs.flatMap((doc) => (doc ? [[doc._id as ConversationId, toConversation(doc)] as const] : [])));
  }

  async record(writes: readonly ConversationWrite[]): Promise<Set<ConversationId>> {
    if (writes.length === 0) return new Set();
    const refused = await Promise.all([
      this.createAll(writes.filter((write) => write.expectedLastSeq === null)),
      this.updateAll(writes.filter((write) => write.expectedLastSeq !== null)),
    ]);
    return new Set(refused.flat());
  }

  /**
   * First writes of new conversations, as plain inserts: the unique `_id` makes a racing creator
   * fail with a duplicate, like the conditional upsert this replaced, but FerretDB v1 answers an
   * insert from its primary key while it scanned the collection for that upsert (1,000
   * conversations: 73 ms against 2 ms; in the full benchmark's 1,000-user run new conversations
   * kept it above a core).
   */
  private async createAll(writes: readonly ConversationWrite[]): Promise<ConversationId[]> {
    if (writes.length === 0) return [];
    try {
      await this.collection.insertMany(writes.map(createdDocument), { ordered: false });
      return [];
    } catch (error) {
      if (!(error instanceof mongo.MongoBulkWriteError)) throw error;
    }
    // Some insert failed: a duplicate, or rolled back with the batch.
    return this.settleOneByOne(writes);
  }

  /**
   * Writes to existing conversations, together in one unordered `bulkWrite`; a lone one as an
   * `updateOne`, which FerretDB v1 applies about three times faster than the same update inside a
   * bulkWrite (1,000 conversations of the real shape: 17 ms against 47-52 ms).
   */
  private async updateAll(writes: readonly ConversationWrite[]): Promise<ConversationId[]> {
    if (writes.length === 0) return [];
    if (writes.length === 1) return this.settleOneByOne(writes);
    try {
      const result = await this.collection.bulkWrite(
        writes.map((write) => ({ updateOne: { filter: recordFilter(write), update: recordUpdate(write) } })),
        { ordered: false },
      );
      if (result.matchedCount === writes.length) return [];
    } catch (error) {
      if (!(error instanceof mongo.MongoBulkWriteError)) throw error;
    }
    // Some write did not apply: refused, or rolled back with the batch (FerretDB aborts the whole
    // bulkWrite when one operation fails).
    return this.settleOneByOne(writes);
  }

  /** Applies each write on its own (each is idempotent); returns the conversations that refused theirs. */
  private async settleOneByOne(writes: readonly ConversationWrite[]): Promise<ConversationId[]> {
    const refused: ConversationId[] = [];
    for (const write of writes) if (!(await this.recordOne(write))) refused.push(write.lease.conversationId);
    return refused;
  }

  /** Applies one write; true when it is (now or already) in the document. */
  private async recordOne(write: ConversationWrite): Promise<boolean> {
    const id = write.lease.conversationId;
    try {
      if (write.expectedLastSeq === null) {
        await this.collection.insertOne(createdDocument(write));
        return true;
      }
      const result = await this.collection.updateOne(recordFilter(write), recordUpdate(write));
      if (result.matchedCount === 1) return true;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error; // created meanwhile by another writer
    }
    const doc = await this.model.findById(id).lean<ConversationDocument>();
    return doc?.lastSeq === write.lastSeq && (write.lease.fence === null || doc.fence === write.lease.fence);
  }

  async open(lease: ConversationLease, participants: readonly [UserId, UserId], openedBy: UserId): Promise<void> {
    await this.fencedUpdate(
      lease,
      {
        $setOnInsert: { participants: [...participants].sort(), lastSeq: 0 },
        $set: { [`members.${openedBy}.hidden`]: false, lastActivityAt: new Date() },
      },
      { upsert: true },
    );
  }

  async markRead(lease: ConversationLease, readerId: UserId, readSeq: number, readCount: number): Promise<void> {
    await this.fencedUpdate(lease, {
      $max: { [`members.${readerId}.readSeq`]: readSeq },
      $inc: { [`members.${readerId}.unreadCount`]: -readCount },
    });
  }

  async hideFor(lease: ConversationLease, userId: UserId, clearedSeq: number): Promise<void> {
    await this.fencedUpdate(lease, {
      $set: {
        [`members.${userId}.hidden`]: true,
        [`members.${userId}.unreadCount`]: 0,
        [`members.${userId}.clearedSeq`]: clearedSeq,
      },
      $max: { [`members.${userId}.readSeq`]: clearedSeq },
    });
  }

  async decrementUnread(lease: ConversationLease, userId: UserId, by: number): Promise<void> {
    if (by <= 0) return;
    await this.fencedUpdate(lease, { $inc: { [`members.${userId}.unreadCount`]: -by } });
  }

  async replacePreview(lease: ConversationLease, messageId: string, preview: MessagePreview | null): Promise<void> {
    await this.fencedUpdate(
      lease,
      {
        $set: {
          lastMessage: preview ? storedPreview(preview) : null,
          lastMessageTime: preview ? preview.createdAt : null,
        },
      },
      { extraFilter: { 'lastMessage.messageId': new Types.ObjectId(messageId) }, mayMatchNothing: true },
    );
  }

  /**
   * An update under a lease: it applies only while no newer lease wrote the document, and stamps
   * the lease's fence. A refused one throws SERVICE_UNAVAILABLE (the caller's lease ran out).
   */
  private async fencedUpdate(
    lease: ConversationLease,
    update: mongo.UpdateFilter<ConversationDocument>,
    options: { upsert?: boolean; extraFilter?: mongo.Filter<ConversationDocument>; mayMatchNothing?: boolean } = {},
  ): Promise<void> {
    const fenced = lease.fence === null ? update : { ...update, $set: { ...update.$set, fence: lease.fence } };
    const result = await this.collection
      .updateOne({ ...fenceFilter(lease), ...options.extraFilter }, fenced, { upsert: options.upsert ?? false })
      .catch((error: unknown) => {
        if (isDuplicateKeyError(error)) return null; // the upsert met a document a newer lease wrote
        throw error;
      });
    if (result && (result.matchedCount + result.upsertedCount > 0 || options.mayMatchNothing)) return;
    if (!result || (await this.model.exists({ _id: lease.conversationId }))) throw conversationBusy();
  }
}

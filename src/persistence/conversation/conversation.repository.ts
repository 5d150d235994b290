import { mongo, Types, type Connection, type Model } from 'mongoose';
import { conversationBusy, type ConversationLease } from '../../domain/conversation/conversation.lease';
import {
  EMPTY_MEMBER_STATE,
  memberState,
  stampFor,
  type Conversation,
  type ConversationRepository,
  type ConversationWrite,
  type GroupState,
  type MemberState,
} from '../../domain/conversation/conversation.types';
import type { ConversationId, UserId } from '../../domain/ids';
import type { MessageType } from '../../domain/message/message.types';
import { isDuplicateKeyError } from '../errors';
import {
  inboxRangeOf,
  insertInboxEntries,
  InboxEntryModelName,
  type InboxEntryDocument,
} from './conversation-inbox.model';
import { ConversationModelName, type ConversationDocument, type StoredGroupState } from './conversation.model';

type StoredState = ConversationDocument['state'];
type StoredMember = StoredState['members'][string] | undefined;

function toMemberState(raw: StoredMember): MemberState {
  return {
    unreadCount: Math.max(0, raw?.unreadCount ?? 0),
    readSeq: raw?.readSeq ?? 0,
    clearedSeq: raw?.clearedSeq ?? 0,
    hidden: raw?.hidden ?? false,
  };
}

function toGroupState(group: StoredGroupState | null | undefined): GroupState | null {
  if (!group) return null;
  return {
    title: group.title,
    createdBy: group.createdBy as UserId,
    roles: { ...group.roles },
    memberVersion: group.memberVersion,
    tally: group.tally,
    deletions: [...(group.deletions ?? [])],
    deletionsFloor: group.deletionsFloor ?? 0,
  };
}

function toConversation(doc: ConversationDocument): Conversation {
  const { state } = doc;
  const kind = doc.kind ?? 'DIRECT';
  const participants = doc.participants as UserId[];
  const members: Record<string, MemberState> = {};
  if (kind === 'DIRECT') for (const userId of participants) members[userId] = toMemberState(state.members[userId]);
  return {
    id: doc._id as ConversationId,
    kind,
    participants,
    group: toGroupState(state.group),
    lastMessage: state.lastMessage
      ? {
          messageId: state.lastMessage.messageId.toHexString(),
          seq: state.lastMessage.seq,
          senderId: state.lastMessage.senderId as UserId,
          message: state.lastMessage.message,
          messageType: state.lastMessage.messageType as MessageType,
          createdAt: state.lastMessage.createdAt,
        }
      : null,
    lastMessageTime: state.lastMessageTime,
    lastActivityAt: state.lastActivityAt,
    lastSeq: state.lastSeq,
    eventSeq: state.eventSeq ?? 0,
    pins: (state.pins ?? []).map((pin) => ({
      messageId: pin.messageId.toHexString(),
      seq: pin.seq,
      pinnedAt: pin.pinnedAt,
      pinnedBy: pin.pinnedBy as UserId,
    })),
    fence: state.fence,
    version: state.version,
    members,
    blockedBy: (state.blockedBy ?? []) as UserId[],
  };
}

/**
 * The stored form of a conversation's state. `fence` and `version` come first, in that order:
 * writes go through `$max` on the whole subdocument, which MongoDB and FerretDB both decide by
 * comparing fields in order, so the write with the higher (fence, version) wins.
 */
function storedState(conversation: Conversation): StoredState {
  const members: StoredState['members'] = {};
  for (const [userId, member] of Object.entries(conversation.members)) {
    members[userId] = {
      unreadCount: member.unreadCount,
      readSeq: member.readSeq,
      clearedSeq: member.clearedSeq,
      hidden: member.hidden,
    };
  }
  const preview = conversation.lastMessage;
  return {
    fence: conversation.fence,
    version: conversation.version,
    lastSeq: conversation.lastSeq,
    lastActivityAt: conversation.lastActivityAt,
    lastMessage: preview && { ...preview, messageId: new Types.ObjectId(preview.messageId) },
    lastMessageTime: conversation.lastMessageTime,
    members,
    group: conversation.group && {
      ...conversation.group,
      roles: { ...conversation.group.roles },
      deletions: [...conversation.group.deletions],
    },
    eventSeq: conversation.eventSeq,
    pins: conversation.pins.map((pin) => ({ ...pin, messageId: new Types.ObjectId(pin.messageId) })),
    blockedBy: [...conversation.blockedBy],
  };
}

/** A DIRECT conversation before its first write: no messages, nobody's state, nobody blocking. */
function newDirectConversation(lease: ConversationLease, participants: readonly [UserId, UserId]): Conversation {
  return {
    id: lease.conversationId,
    kind: 'DIRECT',
    participants: [...participants].sort() as [UserId, UserId],
    group: null,
    lastMessage: null,
    lastMessageTime: null,
    lastActivityAt: new Date(),
    lastSeq: 0,
    eventSeq: 0,
    pins: [],
    ...stampFor(null, lease),
    members: {},
    blockedBy: [],
  };
}

/** DIRECT: the pair, sorted (as the seed stores it). GROUP: members in join order (succession reads it). */
function storedParticipants(conversation: Conversation): string[] {
  return conversation.kind === 'DIRECT' ? [...conversation.participants].sort() : [...conversation.participants];
}

function storedDocument(conversation: Conversation): ConversationDocument {
  return {
    _id: conversation.id,
    kind: conversation.kind,
    participants: storedParticipants(conversation),
    state: storedState(conversation),
  };
}

/** A group's membership changed: `participants` (outside `state`) must change with it. */
function changesParticipants(write: ConversationWrite): boolean {
  const before = write.base?.participants ?? [];
  const after = write.next.participants;
  return before.length !== after.length || before.some((userId, index) => after[index] !== userId);
}

/** Who a write adds to the conversation and who it removes (nobody, on a send's write: checked first). */
function peopleChanged(write: ConversationWrite): { added: UserId[]; removed: UserId[] } {
  if (write.base && !changesParticipants(write)) return { added: [], removed: [] };
  const before = new Set(write.base?.participants ?? []);
  const after = new Set(write.next.participants);
  return {
    added: write.next.participants.filter((userId) => !before.has(userId)),
    removed: [...before].filter((userId) => !after.has(userId)),
  };
}

/**
 * The update filter and change for a write to an existing document. Most writes are `$max` of
 * `state` by `_id` alone (below). A write that changes a group's members also sets
 * `participants`, which `$max` of `state` cannot guard, so it applies only to the exact document
 * it was computed from (`state.fence` and `state.version` as read under the lease): FerretDB scans
 * the collection for that filter, which membership changes, unlike sends, can afford.
 */
function updateFor(write: ConversationWrite): {
  filter: mongo.Filter<ConversationDocument>;
  update: mongo.UpdateFilter<ConversationDocument>;
} {
  if (!changesParticipants(write)) return { filter: { _id: write.next.id }, update: maxUpdate(write) };
  return {
    filter: {
      _id: write.next.id,
      'state.fence': write.base?.fence ?? 0,
      'state.version': write.base?.version ?? 0,
    } as mongo.Filter<ConversationDocument>,
    update: {
      $set: { participants: storedParticipants(write.next), state: storedState(write.next) },
    } as mongo.UpdateFilter<ConversationDocument>,
  };
}

/**
 * Applies the write unless one with a higher (fence, version) got there first. The filter is the
 * `_id` alone: FerretDB v1 scans the whole collection for an update whose filter names any other
 * field, and this is the send path's one document write (bench/README.md, "Conditional writes").
 */
function maxUpdate(write: ConversationWrite): mongo.UpdateFilter<ConversationDocument> {
  return { $max: { state: storedState(write.next) } } as mongo.UpdateFilter<ConversationDocument>;
}

/** True when the stored document carries this write (applied now, or by an earlier identical try). */
function carries(doc: ConversationDocument | null, write: ConversationWrite): boolean {
  return doc?.state.fence === write.next.fence && doc.state.version === write.next.version;
}

export class MongoConversationRepository implements ConversationRepository {
  private readonly model: Model<ConversationDocument>;

  private readonly inbox: Model<InboxEntryDocument>;

  constructor(connection: Connection) {
    this.model = connection.model<ConversationDocument>(ConversationModelName);
    this.inbox = connection.model<InboxEntryDocument>(InboxEntryModelName);
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
    return (await this.listAllFor(userId))
      .filter((conversation) => !conversation.members[userId]?.hidden)
      .sort(
        (a, b) => b.lastActivityAt.getTime() - a.lastActivityAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
      )
      .slice(0, limit);
  }

  /**
   * Two queries, both routed by shard keys: the user's inbox entries (one range of `_id`), then
   * their conversations by `_id` (one `$in`: a list must not cost a query per conversation; on
   * FerretDB v1 it scans the collection, as the query by `participants` it replaced did). An entry
   * whose conversation no longer lists the user (they left, and the entry's delete did not happen)
   * is skipped.
   */
  async listAllFor(userId: UserId): Promise<Conversation[]> {
    const entries = await this.inbox.find({ _id: inboxRangeOf(userId) }).lean<InboxEntryDocument[]>();
    if (entries.length === 0) return [];
    const docs = await this.model
      .find({ _id: { $in: entries.map((entry) => entry.conversationId) } })
      .lean<ConversationDocument[]>();
    return docs.map(toConversation).filter((conversation) => conversation.participants.includes(userId));
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
    await this.enterInboxes(writes);
    const refused = new Set(
      (
        await Promise.all([
          this.createAll(writes.filter((write) => write.base === null)),
          this.updateAll(writes.filter((write) => write.base !== null)),
        ])
      ).flat(),
    );
    await this.leaveInboxes(writes.filter((write) => !refused.has(write.next.id)));
    return refused;
  }

  /**
   * Inbox entries of the people a write adds (a new conversation's, a group's new members), before
   * the write: a conversation is never in someone's document without being in their list. Entries
   * that exist already (a retry, a racing creator) are left as they are.
   */
  private async enterInboxes(writes: readonly ConversationWrite[]): Promise<void> {
    const entries = writes.flatMap((write) =>
      peopleChanged(write).added.map((userId) => ({
        _id: `${userId}|${write.next.id}`,
        userId,
        conversationId: write.next.id,
      })),
    );
    await insertInboxEntries(this.inbox.collection as unknown as mongo.Collection<InboxEntryDocument>, entries);
  }

  /** Deletes the entries of the people a write removed (left, or were removed from, a group). */
  private async leaveInboxes(writes: readonly ConversationWrite[]): Promise<void> {
    const ids = writes.flatMap((write) => peopleChanged(write).removed.map((userId) => `${userId}|${write.next.id}`));
    if (ids.length > 0) await this.inbox.deleteMany({ _id: { $in: ids } });
  }

  /**
   * First writes of new conversations, as plain inserts: the unique `_id` makes a racing creator
   * fail with a duplicate. FerretDB v1 answers an insert from its primary key, while it scanned
   * the collection for the conditional upsert this replaced (1,000 conversations: 73 ms against
   * 2 ms).
   */
  private async createAll(writes: readonly ConversationWrite[]): Promise<ConversationId[]> {
    if (writes.length === 0) return [];
    try {
      await this.collection.insertMany(
        writes.map((write) => storedDocument(write.next)),
        { ordered: false },
      );
      return [];
    } catch (error) {
      if (!(error instanceof mongo.MongoBulkWriteError)) throw error;
    }
    // Some insert failed: a duplicate, or rolled back with the batch.
    return this.settleOneByOne(writes);
  }

  /**
   * Writes to existing conversations, together in one unordered `bulkWrite`; a lone one as an
   * `updateOne`, which FerretDB v1 applies faster than the same update inside a bulkWrite.
   */
  private async updateAll(writes: readonly ConversationWrite[]): Promise<ConversationId[]> {
    if (writes.length === 0) return [];
    if (writes.length === 1) return this.settleOneByOne(writes);
    try {
      const result = await this.collection.bulkWrite(
        writes.map((write) => ({ updateOne: updateFor(write) })),
        { ordered: false },
      );
      if (result.modifiedCount === writes.length) return [];
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
    for (const write of writes) if (!(await this.recordOne(write))) refused.push(write.next.id);
    return refused;
  }

  /** Applies one write; true when it is (now or already) in the document. */
  private async recordOne(write: ConversationWrite): Promise<boolean> {
    try {
      if (write.base === null) {
        await this.collection.insertOne(storedDocument(write.next));
        return true;
      }
      const { filter, update } = updateFor(write);
      const result = await this.collection.updateOne(filter, update);
      if (result.modifiedCount === 1) return true;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error; // created meanwhile by another writer
    }
    return carries(await this.model.findById(write.next.id).lean<ConversationDocument>(), write);
  }

  async open(lease: ConversationLease, participants: readonly [UserId, UserId], openedBy: UserId): Promise<void> {
    const base = await this.findById(lease.conversationId);
    const members = { ...base?.members, [openedBy]: { ...memberState(base, openedBy), hidden: false } };
    const next: Conversation = base
      ? { ...base, ...stampFor(base, lease), lastActivityAt: new Date(), members }
      : { ...newDirectConversation(lease, participants), members };
    await this.writeUnderLease({ lease, base, next });
  }

  async setBlock(
    lease: ConversationLease,
    participants: readonly [UserId, UserId],
    blockerId: UserId,
    blocks: boolean,
  ): Promise<Conversation> {
    const base = await this.findById(lease.conversationId);
    const hiddenForBoth = Object.fromEntries(
      participants.map((userId) => [userId, { ...EMPTY_MEMBER_STATE, hidden: true }]),
    );
    const current = base ?? { ...newDirectConversation(lease, participants), members: hiddenForBoth };
    const others = current.blockedBy.filter((userId) => userId !== blockerId);
    const next: Conversation = {
      ...current,
      ...stampFor(base, lease),
      blockedBy: blocks ? [...others, blockerId] : others,
    };
    await this.writeUnderLease({ lease, base, next });
    return next;
  }

  async listBlockedBy(userId: UserId): Promise<Conversation[]> {
    return (await this.listAllFor(userId)).filter((conversation) => conversation.blockedBy.includes(userId));
  }

  async markRead(lease: ConversationLease, readerId: UserId, readSeq: number, readCount: number): Promise<void> {
    await this.changeMember(lease, readerId, (member) => ({
      ...member,
      readSeq: Math.max(member.readSeq, readSeq),
      unreadCount: Math.max(0, member.unreadCount - readCount),
    }));
  }

  async hideFor(lease: ConversationLease, userId: UserId, clearedSeq: number): Promise<void> {
    await this.changeMember(lease, userId, (member) => ({
      hidden: true,
      unreadCount: 0,
      clearedSeq,
      readSeq: Math.max(member.readSeq, clearedSeq),
    }));
  }

  async change(
    lease: ConversationLease,
    change: (base: Conversation) => Conversation | null,
  ): Promise<Conversation | null> {
    const base = await this.findById(lease.conversationId);
    if (!base) return null;
    const changed = change(base);
    if (!changed) return base;
    const next = { ...changed, ...stampFor(base, lease) };
    await this.writeUnderLease({ lease, base, next });
    return next;
  }

  /** Reads the conversation and rewrites one member's state (nothing when it does not exist). */
  private async changeMember(
    lease: ConversationLease,
    userId: UserId,
    change: (member: MemberState) => MemberState,
  ): Promise<void> {
    const base = await this.findById(lease.conversationId);
    if (!base) return;
    const members = { ...base.members, [userId]: change(memberState(base, userId)) };
    await this.writeUnderLease({ lease, base, next: { ...base, ...stampFor(base, lease), members } });
  }

  /** One write under a lease: SERVICE_UNAVAILABLE when a newer lease wrote the document first. */
  private async writeUnderLease(write: ConversationWrite): Promise<void> {
    if ((await this.record([write])).size > 0) throw conversationBusy();
  }
}

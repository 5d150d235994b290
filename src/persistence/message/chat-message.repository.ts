import { mongo, Types, type Connection, type Model } from 'mongoose';
import type { ConversationId, UserId } from '../../domain/ids';
import type {
  MentionRange,
  MessagePatch,
  MessageRepository,
  NewChatMessage,
  VisibleRange,
} from '../../domain/message/message.repository';
import type { ChatMessage, MessageType } from '../../domain/message/message.types';
import { DUPLICATE_KEY } from '../errors';
import { SCALAR_FIELDS } from '../pushdown';
import { shownSeqsDown, walkDown, walkUp } from '../seq-walk';
import { insertMissing } from '../insert-missing';
import { carrierEntriesOf, CarrierEntryModelName, type CarrierEntryDocument } from './carrier-entry.model';
import { ChatMessageModelName, type ChatMessageDocument } from './chat-message.model';
import {
  MentionEntryModelName,
  mentionKey,
  mentionKeysOf,
  mentionRangeOf,
  parseMentionKey,
  type MentionEntryDocument,
} from './mention-entry.model';

/**
 * Deleted positions a deep page of the page API reads to compute its positions; a conversation
 * with more walks instead (or, past the walk's bound, asks the range query). @default 10,000
 */
const MAX_LISTED_DELETIONS = 10_000;

const notDeleted = (doc: ChatMessageDocument) => doc.deletedAt == null;

function toChatMessage(doc: ChatMessageDocument): ChatMessage {
  return {
    id: doc._id.toHexString(),
    conversationId: doc.conversationId as ConversationId,
    seq: doc.seq,
    senderId: doc.senderId.toHexString() as UserId,
    receiverId: doc.receiverId ? (doc.receiverId.toHexString() as UserId) : null,
    message: doc.message,
    messageType: doc.messageType as MessageType,
    attachmentUrl: doc.attachmentUrl ?? null,
    clientMessageId: doc.clientMessageId,
    systemEvent: doc.systemEvent ?? null,
    tally: doc.tally ?? null,
    isRead: doc.isRead,
    readAt: doc.readAt ?? null,
    deletedAt: doc.deletedAt ?? null,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    replyToId: doc.replyToId ? doc.replyToId.toHexString() : null,
    mentions: (doc.mentions ?? []).map((id) => id.toHexString() as UserId),
    eventSeq: doc.eventSeq ?? 0,
    editedAt: doc.editedAt ?? null,
    edits: (doc.edits ?? []).map((edit) => ({ message: edit.message, editedAt: edit.editedAt })),
    reactions: (doc.reactions ?? []).map((reaction) => ({
      emoji: reaction.emoji,
      userIds: reaction.userIds as UserId[],
    })),
    pinnedAt: doc.pinnedAt ?? null,
    pinnedBy: (doc.pinnedBy as UserId | null | undefined) ?? null,
    changeSeq: doc.changeSeq ?? 0,
    attachments: (doc.attachments ?? []).map((attachment) => ({
      ...attachment,
      id: attachment.id.toHexString(),
      width: attachment.width ?? null,
      height: attachment.height ?? null,
    })),
  };
}

/** The `$set` of a patch: only the fields it sets (an edit's earlier version is pushed). */
function storedPatch(patch: MessagePatch): Partial<ChatMessageDocument> {
  const stored: Partial<ChatMessageDocument> = {};
  if (patch.message !== undefined) stored.message = patch.message;
  if (patch.editedAt !== undefined) stored.editedAt = patch.editedAt;
  if (patch.reactions !== undefined)
    stored.reactions = patch.reactions.map((reaction) => ({ emoji: reaction.emoji, userIds: [...reaction.userIds] }));
  if (patch.pinnedAt !== undefined) stored.pinnedAt = patch.pinnedAt;
  if (patch.pinnedBy !== undefined) stored.pinnedBy = patch.pinnedBy;
  if (patch.deletedAt !== undefined) {
    stored.deletedAt = patch.deletedAt;
    if (patch.deletedAt !== null) stored.deleted = true;
  }
  return stored;
}

/** Entries below a reader's floor that one count query deletes at most (the rest go next time). @default 1,000 */
const MAX_PRUNED_MENTIONS = 1000;

export class MongoMessageRepository implements MessageRepository {
  private readonly model: Model<ChatMessageDocument>;
  private readonly mentions: mongo.Collection<MentionEntryDocument>;
  private readonly carriers: mongo.Collection<CarrierEntryDocument>;

  constructor(connection: Connection) {
    this.model = connection.model<ChatMessageDocument>(ChatMessageModelName);
    this.mentions = connection.model<MentionEntryDocument>(MentionEntryModelName)
      .collection as unknown as mongo.Collection<MentionEntryDocument>;
    this.carriers = connection.model<CarrierEntryDocument>(CarrierEntryModelName)
      .collection as unknown as mongo.Collection<CarrierEntryDocument>;
  }

  private get collection(): mongo.Collection<ChatMessageDocument> {
    return this.model.collection as unknown as mongo.Collection<ChatMessageDocument>;
  }

  async findByClientMessageId(
    conversationId: ConversationId,
    senderId: UserId,
    clientMessageId: string,
  ): Promise<ChatMessage | null> {
    const doc = await this.model
      .findOne({ ...SCALAR_FIELDS, conversationId, senderId: new Types.ObjectId(senderId), clientMessageId })
      .lean<ChatMessageDocument>();
    return doc ? toChatMessage(doc) : null;
  }

  async insertMany(messages: readonly NewChatMessage[]): Promise<Array<ChatMessage | null>> {
    if (messages.length === 0) return [];
    const now = new Date();
    // Built here, not by mongoose: the domain has validated them, and hydrating documents is the
    // costliest part of an insert on the hot path.
    const docs: ChatMessageDocument[] = messages.map((message) => ({
      _id: new Types.ObjectId(),
      conversationId: message.conversationId,
      senderId: new Types.ObjectId(message.senderId),
      receiverId: message.receiverId === null ? null : new Types.ObjectId(message.receiverId),
      message: message.message,
      messageType: message.messageType,
      attachmentUrl: message.attachmentUrl,
      isRead: false,
      readAt: null,
      deletedAt: null,
      seq: message.seq,
      clientMessageId: message.clientMessageId,
      // Only where set, so a DIRECT message's document is exactly what it was before groups.
      ...(message.systemEvent ? { systemEvent: message.systemEvent } : {}),
      ...(message.tally !== null ? { tally: message.tally } : {}),
      ...(message.replyToId !== null ? { replyToId: new Types.ObjectId(message.replyToId) } : {}),
      ...(message.mentions.length > 0 ? { mentions: message.mentions.map((id) => new Types.ObjectId(id)) } : {}),
      ...(message.eventSeq > 0 ? { eventSeq: message.eventSeq } : {}),
      ...(message.attachments.length > 0
        ? {
            attachments: message.attachments.map((attachment) => ({
              ...attachment,
              id: new Types.ObjectId(attachment.id),
            })),
          }
        : {}),
      createdAt: now,
      updatedAt: now,
    }));
    let storedCount = docs.length;
    try {
      await this.collection.insertMany(docs, { ordered: true });
    } catch (error) {
      if (!(error instanceof mongo.MongoBulkWriteError)) throw error;
      const [first] = ([] as mongo.WriteError[]).concat(error.writeErrors);
      if (!first || first.code !== DUPLICATE_KEY) throw error;
      storedCount = first.index;
    }
    await this.writeEntries(docs.slice(0, storedCount));
    return docs.map((doc, index) => (index < storedCount ? toChatMessage(doc) : null));
  }

  /**
   * The mention and carrier entries of stored messages: derived data, written after the messages
   * (an entry never names a message that is not stored). A failure costs a badge its count, or a
   * download its shortcut (findCarrying falls back), not a stored send its confirmation.
   */
  private async writeEntries(stored: readonly ChatMessageDocument[]): Promise<void> {
    await Promise.all([
      insertMissing(
        this.mentions,
        stored.flatMap(mentionKeysOf).map((_id) => ({ _id })),
      ).catch(() => 0),
      insertMissing(this.carriers, carrierEntriesOf(stored)).catch(() => 0),
    ]);
  }

  /** The documents at these positions of the conversation: lookups in its `(conversationId, seq)` index. */
  private atSeqs(conversationId: ConversationId, seqs: number[]): Promise<ChatMessageDocument[]> {
    return this.model.find({ ...SCALAR_FIELDS, conversationId, seq: { $in: seqs } }).lean<ChatMessageDocument[]>();
  }

  async unrecorded(conversationId: ConversationId, afterSeq: number): Promise<ChatMessage[]> {
    // Only a writer that died leaves messages above the recorded top: a few batches at most.
    const docs: ChatMessageDocument[] = [];
    for (let from = afterSeq; ; from += 64) {
      const batch = (
        await this.atSeqs(
          conversationId,
          Array.from({ length: 64 }, (_, i) => from + 1 + i),
        )
      ).sort((a, b) => a.seq - b.seq);
      docs.push(...batch);
      if (batch.length < 64) return docs.map(toChatMessage);
    }
  }

  async findById(id: string): Promise<ChatMessage | null> {
    if (!Types.ObjectId.isValid(id)) return null;
    const doc = await this.model.findById(new Types.ObjectId(id)).lean<ChatMessageDocument>();
    return doc ? toChatMessage(doc) : null;
  }

  async newestFirst(
    range: VisibleRange,
    beforeSeq: number | null,
    skip: number,
    limit: number,
  ): Promise<ChatMessage[]> {
    const fromSeq = beforeSeq === null ? range.topSeq : Math.min(beforeSeq - 1, range.topSeq);
    if (skip > 0) {
      // The page API's page N: computed from the deleted positions above it, at any depth.
      const hidden = await this.deletedSeqsDown(range.conversationId, range.floorSeq, fromSeq);
      if (hidden) {
        const seqs = shownSeqsDown(fromSeq, range.floorSeq, hidden, skip, limit);
        const docs = seqs.length === 0 ? [] : await this.atSeqs(range.conversationId, seqs);
        // One deleted between the two reads is left out (the page is one short), never shown.
        return docs
          .filter(notDeleted)
          .sort((a, b) => b.seq - a.seq)
          .map(toChatMessage);
      }
    }
    const walked = await walkDown(
      (seqs) => this.atSeqs(range.conversationId, seqs),
      notDeleted,
      fromSeq,
      range.floorSeq,
      skip + limit,
    );
    if (walked) return walked.slice(skip).map(toChatMessage);
    const docs = await this.model
      .find({
        ...SCALAR_FIELDS,
        conversationId: range.conversationId,
        seq: { $gt: range.floorSeq, $lte: fromSeq },
        deletedAt: null,
      })
      .sort({ seq: -1 })
      .skip(skip)
      .limit(limit)
      .lean<ChatMessageDocument[]>();
    return docs.map(toChatMessage);
  }

  async oldestFirstAfter(range: VisibleRange, afterSeq: number, limit: number): Promise<ChatMessage[]> {
    const fromSeq = Math.max(afterSeq, range.floorSeq);
    const walked = await walkUp(
      (seqs) => this.atSeqs(range.conversationId, seqs),
      notDeleted,
      fromSeq,
      limit,
      range.topSeq,
    );
    if (walked) return walked.map(toChatMessage);
    const docs = await this.model
      .find({ ...SCALAR_FIELDS, conversationId: range.conversationId, seq: { $gt: fromSeq }, deletedAt: null })
      .sort({ seq: 1 })
      .limit(limit)
      .lean<ChatMessageDocument[]>();
    return docs.map(toChatMessage);
  }

  async count(range: VisibleRange): Promise<number> {
    // Every position up to the recorded top holds a message (no seq is burnt: message.writer.ts),
    // so the visible ones are the span less its deletions: a cost that follows deletions, not
    // history (counting the messages themselves read the whole conversation on FerretDB).
    const span = range.topSeq - range.floorSeq;
    if (span <= 0) return 0;
    return span - (await this.deletedIn(range.conversationId, range.floorSeq, range.topSeq, true));
  }

  /**
   * The deleted positions with `afterSeq < seq <= upToSeq`, newest first, through the
   * `(conversationId, deleted, seq)` index; null past {@link MAX_LISTED_DELETIONS} (the caller walks).
   */
  private async deletedSeqsDown(
    conversationId: ConversationId,
    afterSeq: number,
    upToSeq: number,
  ): Promise<number[] | null> {
    const docs = await this.model
      .find(
        { ...SCALAR_FIELDS, conversationId, deleted: true, seq: { $gt: afterSeq, $lte: upToSeq } },
        { _id: 0, seq: 1 },
      )
      .limit(MAX_LISTED_DELETIONS + 1)
      .lean<Array<Pick<ChatMessageDocument, 'seq'>>>();
    if (docs.length > MAX_LISTED_DELETIONS) return null;
    return docs.map((doc) => doc.seq).sort((a, b) => b - a);
  }

  /** Deleted messages with `afterSeq < seq <= upToSeq`, through the `(conversationId, deleted, seq)` index. */
  private deletedIn(
    conversationId: ConversationId,
    afterSeq: number,
    upToSeq: number,
    withSystem: boolean,
  ): Promise<number> {
    return this.model.countDocuments({
      ...SCALAR_FIELDS,
      conversationId,
      deleted: true,
      seq: { $gt: afterSeq, $lte: upToSeq },
      ...(withSystem ? {} : { messageType: { $ne: 'system' } }),
    });
  }

  /**
   * By position, not by the seed's `(receiverId, isRead)` index: on the embedded store that index
   * answered with every unread message of the receiver in all their conversations, read whole.
   * The unread ones are the newest in nearly every case, so a walk down from the top through
   * `(conversationId, seq)` finds the `counted` ones in a round or two; a walk that would take
   * longer falls back to the filter, which is correct on every store.
   */
  async unreadFor(
    range: VisibleRange,
    receiverId: UserId,
    upToSeq: number,
    only: { ids?: readonly string[] },
    counted: number,
  ): Promise<ChatMessage[]> {
    const receiver = new Types.ObjectId(receiverId);
    const unread = (doc: ChatMessageDocument) =>
      !doc.isRead &&
      doc.deletedAt == null &&
      doc.receiverId?.equals(receiver) === true &&
      doc.seq > range.floorSeq &&
      doc.seq <= upToSeq;
    if (only.ids) {
      if (only.ids.length === 0) return [];
      const named = await this.model
        .find({
          ...SCALAR_FIELDS,
          conversationId: range.conversationId,
          _id: { $in: only.ids.map((id) => new Types.ObjectId(id)) },
        })
        .lean<ChatMessageDocument[]>();
      return named
        .filter(unread)
        .sort((a, b) => a.seq - b.seq)
        .map(toChatMessage);
    }
    const walked = await walkDown(
      (seqs) => this.atSeqs(range.conversationId, seqs),
      unread,
      upToSeq,
      range.floorSeq,
      counted,
    );
    if (walked) return walked.reverse().map(toChatMessage);
    const docs = await this.model
      .find({
        ...SCALAR_FIELDS,
        conversationId: range.conversationId,
        receiverId: receiver,
        isRead: false,
        deletedAt: null,
        seq: { $gt: range.floorSeq, $lte: upToSeq },
      })
      .sort({ seq: 1 })
      .lean<ChatMessageDocument[]>();
    return docs.map(toChatMessage);
  }

  async markRead(conversationId: ConversationId, messages: readonly ChatMessage[], readAt: Date): Promise<number> {
    if (messages.length === 0) return 0;
    const result = await this.model.updateMany(
      {
        ...SCALAR_FIELDS,
        conversationId,
        _id: { $in: messages.map((message) => new Types.ObjectId(message.id)) },
        isRead: false,
      },
      { $set: { isRead: true, readAt } },
    );
    const read = messages.flatMap((message) =>
      message.mentions
        .filter((user) => user !== message.senderId)
        .map((user) => mentionKey(user, conversationId, message.seq)),
    );
    if (read.length > 0) await this.mentions.deleteMany({ _id: { $in: read } });
    return result.modifiedCount;
  }

  async findInConversation(conversationId: ConversationId, ids: readonly string[]): Promise<ChatMessage[]> {
    if (ids.length === 0) return [];
    const docs = await this.model
      .find({ ...SCALAR_FIELDS, conversationId, _id: { $in: ids.map((id) => new Types.ObjectId(id)) } })
      .sort({ seq: 1 })
      .lean<ChatMessageDocument[]>();
    return docs.map(toChatMessage);
  }

  countDeleted(conversationId: ConversationId, afterSeq: number, upToSeq: number): Promise<number> {
    return this.deletedIn(conversationId, afterSeq, upToSeq, false);
  }

  async applyPatch(conversationId: ConversationId, id: string, changeSeq: number, patch: MessagePatch): Promise<void> {
    // Documents from before the timeline have no changeSeq: `$not $gte` matches them too.
    const filter = { _id: new Types.ObjectId(id), conversationId, changeSeq: { $not: { $gte: changeSeq } } };
    const update = {
      $set: { ...storedPatch(patch), changeSeq, updatedAt: new Date() },
      ...(patch.appendEdit ? { $push: { edits: { ...patch.appendEdit } } } : {}),
    };
    if (!patch.deletedAt) {
      await this.collection.updateOne(filter, update);
      return;
    }
    // A deletion also drops the message's mention entries, named by what it stored.
    // (No projection: FerretDB v1 refuses one on findAndModify.)
    const before = await this.collection.findOneAndUpdate(filter, update, { returnDocument: 'before' });
    const keys = before ? mentionKeysOf(before) : [];
    if (keys.length > 0) await this.mentions.deleteMany({ _id: { $in: keys } });
  }

  async findOne(conversationId: ConversationId, id: string): Promise<ChatMessage | null> {
    if (!Types.ObjectId.isValid(id)) return null;
    const doc = await this.model
      .findOne({ ...SCALAR_FIELDS, _id: new Types.ObjectId(id), conversationId })
      .lean<ChatMessageDocument>();
    return doc ? toChatMessage(doc) : null;
  }

  async findCarrying(conversationId: ConversationId, attachmentId: string): Promise<ChatMessage | null> {
    const entry = await this.carriers.findOne({ _id: attachmentId });
    if (entry) {
      if (entry.conversationId !== conversationId) return null;
      const doc = await this.model.findOne({ _id: entry.messageId, conversationId }).lean<ChatMessageDocument>();
      if (doc) return toChatMessage(doc);
    }
    // No entry: not carried (an unsent upload, swept in the background), or its entry's write
    // failed. The filter over the conversation answers both, so a sweep never discards the file
    // of a message that carries it.
    const doc = await this.model
      .findOne({ ...SCALAR_FIELDS, conversationId, 'attachments.id': new Types.ObjectId(attachmentId) })
      .lean<ChatMessageDocument>();
    return doc ? toChatMessage(doc) : null;
  }

  async replies(range: VisibleRange, replyToId: string, afterSeq: number, limit: number): Promise<ChatMessage[]> {
    const docs = await this.model
      .find({
        ...SCALAR_FIELDS,
        conversationId: range.conversationId,
        replyToId: new Types.ObjectId(replyToId),
        seq: { $gt: Math.max(afterSeq, range.floorSeq) },
        deletedAt: null,
      })
      .sort({ seq: 1 })
      .limit(limit)
      .lean<ChatMessageDocument[]>();
    return docs.map(toChatMessage);
  }

  async countReplies(conversationId: ConversationId, ids: readonly string[]): Promise<Map<string, number>> {
    if (ids.length === 0) return new Map();
    const rows = await this.collection
      .aggregate<{ _id: Types.ObjectId; count: number }>([
        {
          $match: {
            ...SCALAR_FIELDS,
            conversationId,
            replyToId: { $in: ids.map((id) => new Types.ObjectId(id)) },
            deletedAt: null,
          },
        },
        { $group: { _id: '$replyToId', count: { $sum: 1 } } },
      ])
      .toArray();
    return new Map(rows.map((row) => [row._id.toHexString(), row.count]));
  }

  /**
   * One read of the user's mention entries (an `_id` range), counted above each range's floor.
   * Entries at or below a floor can never count again (read marks and cleared marks only move
   * up): they are deleted on the way, so what is read stays what is unread.
   */
  async countMentions(userId: UserId, ranges: readonly MentionRange[]): Promise<Map<ConversationId, number>> {
    if (ranges.length === 0) return new Map();
    const floors = new Map(ranges.map((range) => [range.conversationId as string, range.floorSeq]));
    const entries = await this.mentions.find({ _id: mentionRangeOf(userId) }, { projection: { _id: 1 } }).toArray();
    const counts = new Map<ConversationId, number>();
    const stale: string[] = [];
    for (const { _id: key } of entries) {
      const entry = parseMentionKey(key);
      const floor = entry ? floors.get(entry.conversationId) : undefined;
      if (!entry || floor === undefined) continue;
      if (entry.seq > floor) {
        const conversationId = entry.conversationId as ConversationId;
        counts.set(conversationId, (counts.get(conversationId) ?? 0) + 1);
      } else if (stale.length < MAX_PRUNED_MENTIONS) stale.push(key);
    }
    if (stale.length > 0) await this.mentions.deleteMany({ _id: { $in: stale } });
    return counts;
  }

  async latestVisible(conversationId: ConversationId, topSeq: number): Promise<ChatMessage | null> {
    const [newest] = await this.newestFirst({ conversationId, floorSeq: 0, topSeq }, null, 0, 1);
    return newest ?? null;
  }

  /**
   * One conversation: its positions newest first, the pattern applied by the store to each batch,
   * until `limit` matches (README, "Search in one conversation"): a word in recent messages costs
   * a round or two however long the history. When the walk's rounds run out first (a rare word in
   * a long conversation), and for a search of every conversation, one filter over the
   * conversations answers: exact, through the conversation index, but it reads their history.
   */
  async search(ranges: readonly VisibleRange[], pattern: string, limit: number): Promise<ChatMessage[]> {
    if (ranges.length === 0) return [];
    const matching = {
      deletedAt: null,
      // A group's SYSTEM messages ("Added 2 members") are not what anyone searches for.
      messageType: { $ne: 'system' },
      message: { $regex: pattern, $options: 'i' },
    };
    const [only] = ranges;
    if (ranges.length === 1 && only) {
      const walked = await walkDown(
        (seqs) =>
          this.model
            .find({ ...SCALAR_FIELDS, conversationId: only.conversationId, seq: { $in: seqs }, ...matching })
            .lean<ChatMessageDocument[]>(),
        () => true,
        only.topSeq,
        only.floorSeq,
        limit,
      );
      if (walked) return walked.map(toChatMessage);
    }
    const docs = await this.model
      .find({
        ...SCALAR_FIELDS,
        conversationId: { $in: ranges.map((range) => range.conversationId) },
        $or: ranges.map((range) => ({ conversationId: range.conversationId, seq: { $gt: range.floorSeq } })),
        ...matching,
      })
      .sort({ createdAt: -1, _id: -1 })
      .limit(limit)
      .lean<ChatMessageDocument[]>();
    return docs.map(toChatMessage);
  }
}

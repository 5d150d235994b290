import type { Connection, Model, mongo } from 'mongoose';
import type { ConversationId, UserId } from '../../domain/ids';
import type {
  JournalEntry,
  JournalEntryType,
  NewJournalEntry,
  UserJournalRepository,
} from '../../domain/timeline/user-journal';
import { isDuplicateKeyError } from '../errors';
import {
  journalIdOf,
  journalRangeOf,
  seqOfJournalId,
  UserJournalModelName,
  type UserJournalDocument,
} from './user-journal.model';

/** Positions tried past racing writers before the append fails. @default 5 */
const MAX_APPEND_ATTEMPTS = 5;
/**
 * Entries kept per user: every hundredth append deletes those older than the newest this many
 * (a cursor further behind answers RESYNC_REQUIRED). About 500 read receipts each way.
 * @default 1000
 */
export const JOURNAL_ENTRIES_KEPT = 1000;

function toEntry(doc: UserJournalDocument): JournalEntry {
  return {
    seq: seqOfJournalId(doc._id),
    type: doc.type as JournalEntryType,
    conversationId: doc.conversationId as ConversationId,
    actorId: doc.actorId as UserId,
    occurredAt: doc.occurredAt,
    readSeq: doc.readSeq ?? null,
    messageIds: doc.messageIds ?? [],
    userIds: (doc.userIds ?? []) as UserId[],
    messageId: doc.messageId ?? null,
    scheduledMessageId: doc.scheduledMessageId ?? null,
    failure: doc.failure ?? null,
  };
}

export class MongoUserJournalRepository implements UserJournalRepository {
  private readonly model: Model<UserJournalDocument>;

  /** Prunes every tenth of `kept` appends (every 100th by default). */
  private readonly pruneEvery: number;

  constructor(
    connection: Connection,
    /** @see JOURNAL_ENTRIES_KEPT */
    private readonly kept = JOURNAL_ENTRIES_KEPT,
  ) {
    this.model = connection.model<UserJournalDocument>(UserJournalModelName);
    this.pruneEvery = Math.max(1, Math.floor(kept / 10));
  }

  private get collection(): mongo.Collection<UserJournalDocument> {
    return this.model.collection as unknown as mongo.Collection<UserJournalDocument>;
  }

  /**
   * At the position after the newest stored: a writer that lost the race meets a duplicate `_id`
   * and tries the next one, so positions are dense and each is stored after the one before it
   * (a reader that has seen N never later finds an N-1 it missed).
   */
  async append(userId: UserId, entry: NewJournalEntry): Promise<JournalEntry> {
    let seq = (await this.lastSeq(userId)) + 1;
    for (let attempt = 1; ; attempt += 1) {
      const doc: UserJournalDocument = {
        _id: journalIdOf(userId, seq),
        type: entry.type,
        conversationId: entry.conversationId,
        actorId: entry.actorId,
        occurredAt: entry.occurredAt,
        readSeq: entry.readSeq,
        messageIds: [...entry.messageIds],
        userIds: [...entry.userIds],
        messageId: entry.messageId,
        scheduledMessageId: entry.scheduledMessageId,
        failure: entry.failure && { ...entry.failure },
      };
      try {
        await this.collection.insertOne(doc);
        if (seq % this.pruneEvery === 0 && seq > this.kept) {
          await this.collection.deleteMany({
            _id: { $gt: journalIdOf(userId, 0), $lte: journalIdOf(userId, seq - this.kept) },
          });
        }
        return toEntry(doc);
      } catch (error) {
        if (!isDuplicateKeyError(error) || attempt >= MAX_APPEND_ATTEMPTS) throw error;
        seq = (await this.lastSeq(userId)) + 1;
      }
    }
  }

  async after(userId: UserId, afterSeq: number, limit: number): Promise<JournalEntry[]> {
    const docs = await this.model
      .find({ _id: journalRangeOf(userId, afterSeq) })
      .sort({ _id: 1 })
      .limit(limit)
      .lean<UserJournalDocument[]>();
    return docs.map(toEntry);
  }

  async lastSeq(userId: UserId): Promise<number> {
    const [newest] = await this.model
      .find({ _id: journalRangeOf(userId) }, { _id: 1 })
      .sort({ _id: -1 })
      .limit(1)
      .lean<Array<{ _id: string }>>();
    return newest ? seqOfJournalId(newest._id) : 0;
  }
}

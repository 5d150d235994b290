import type { mongo } from 'mongoose';
import { migrationDone, recordMigrationDone } from '../migration-record';
import { insertMissing } from '../insert-missing';
import type { ChatMessageDocument } from './chat-message.model';
import { carrierEntriesOf, type CarrierEntryDocument } from './carrier-entry.model';
import { mentionKeysOf, type MentionEntryDocument } from './mention-entry.model';

const DELETED_FLAG = 'chatmessages-deleted-flag-v1';

/**
 * Sets `deleted: true` on messages deleted before the flag existed (2026-12-07), which history
 * totals and group unread counts now count through. One update, once: later start-ups skip it.
 * Idempotent, so processes starting together are safe. A process of an earlier version still
 * deleting after this ran leaves its deletions unflagged (README, "History totals without counting history").
 */
export async function flagDeletedMessages(db: mongo.Db): Promise<number> {
  if (await migrationDone(db, DELETED_FLAG)) return 0;
  const result = await db
    .collection<ChatMessageDocument>('chatmessages')
    .updateMany({ deletedAt: { $ne: null }, deleted: { $exists: false } }, { $set: { deleted: true } });
  await recordMigrationDone(db, DELETED_FLAG);
  return result.modifiedCount;
}

const MENTION_ENTRIES = 'mention-entries-v1';
const CARRIER_ENTRIES = 'carrier-entries-v1';
/** Entries written per round trip while backfilling. @default 500 */
const BACKFILL_BATCH = 500;

/**
 * Writes the entries `entriesOf` derives from each document of `source` into `target`, in
 * batches, then records migration `name` (callers skip the scan once it is recorded). Idempotent
 * (existing entries are left alone), so processes starting together are safe.
 */
async function backfillEntries<Source, Entry extends { _id: string }>(
  db: mongo.Db,
  name: string,
  target: mongo.Collection<Entry>,
  source: AsyncIterable<Source>,
  entriesOf: (doc: Source) => Entry[],
): Promise<number> {
  let written = 0;
  let batch: Entry[] = [];
  for await (const doc of source) {
    batch.push(...entriesOf(doc));
    if (batch.length >= BACKFILL_BATCH) {
      written += await insertMissing(target, batch);
      batch = [];
    }
  }
  written += await insertMissing(target, batch);
  await recordMigrationDone(db, name);
  return written;
}

/**
 * Writes the mention entries of messages stored before entries existed (2026-12-07): every
 * mention of someone but the sender in a message not deleted, and in a DIRECT conversation not
 * yet read. Entries below a member's read mark are pruned by the first count that meets them.
 * Once (one scan of the messages that carry mentions).
 */
export async function backfillMentionEntries(db: mongo.Db): Promise<number> {
  if (await migrationDone(db, MENTION_ENTRIES)) return 0;
  const carrying = db
    .collection<ChatMessageDocument>('chatmessages')
    .find(
      { mentions: { $exists: true, $ne: [] }, deletedAt: null },
      { projection: { conversationId: 1, seq: 1, senderId: 1, receiverId: 1, isRead: 1, mentions: 1 } },
    );
  return backfillEntries(db, MENTION_ENTRIES, db.collection<MentionEntryDocument>('mentions'), carrying, (message) =>
    message.receiverId && message.isRead ? [] : mentionKeysOf(message).map((_id) => ({ _id })),
  );
}

/**
 * Writes the carrier entries of messages stored before entries existed (2026-12-07), so their
 * downloads take the `_id` path too. Once (one scan of the messages that carry attachments).
 */
export async function backfillCarrierEntries(db: mongo.Db): Promise<number> {
  if (await migrationDone(db, CARRIER_ENTRIES)) return 0;
  const carrying = db
    .collection<ChatMessageDocument>('chatmessages')
    .find({ attachments: { $exists: true, $ne: [] } }, { projection: { conversationId: 1, attachments: 1 } });
  return backfillEntries(db, CARRIER_ENTRIES, db.collection<CarrierEntryDocument>('carriers'), carrying, (message) =>
    carrierEntriesOf([message]),
  );
}

import type { mongo } from 'mongoose';
import { migrationDone, recordMigrationDone } from '../migration-record';
import { insertMissing } from '../insert-missing';
import type { ChatMessageDocument } from './chat-message.model';
import { mentionKey, type MentionEntryDocument } from './mention-entry.model';

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
/** Entries written per round trip while backfilling. @default 500 */
const BACKFILL_BATCH = 500;

/**
 * Writes the mention entries of messages stored before entries existed (2026-12-07): every
 * mention of someone but the sender in a message not deleted, and in a DIRECT conversation not
 * yet read. Entries below a member's read mark are pruned by the first count that meets them.
 * Once (one scan of the messages that carry mentions), idempotent, safe beside a twin.
 */
export async function backfillMentionEntries(db: mongo.Db): Promise<number> {
  if (await migrationDone(db, MENTION_ENTRIES)) return 0;
  const entries = db.collection<MentionEntryDocument>('mentions');
  const carrying = db
    .collection<ChatMessageDocument>('chatmessages')
    .find(
      { mentions: { $exists: true, $ne: [] }, deletedAt: null },
      { projection: { conversationId: 1, seq: 1, senderId: 1, receiverId: 1, isRead: 1, mentions: 1 } },
    );
  let written = 0;
  let batch: MentionEntryDocument[] = [];
  for await (const message of carrying) {
    if (message.receiverId && message.isRead) continue;
    for (const user of message.mentions ?? []) {
      if (user.equals(message.senderId)) continue;
      batch.push({ _id: mentionKey(user.toHexString(), message.conversationId, message.seq) });
      if (batch.length >= BACKFILL_BATCH) {
        written += await insertMissing(entries, batch);
        batch = [];
      }
    }
  }
  written += await insertMissing(entries, batch);
  await recordMigrationDone(db, MENTION_ENTRIES);
  return written;
}

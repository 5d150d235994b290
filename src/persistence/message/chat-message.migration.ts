import type { mongo } from 'mongoose';
import { migrationDone, recordMigrationDone } from '../migration-record';
import type { ChatMessageDocument } from './chat-message.model';

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

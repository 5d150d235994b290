import type { mongo } from 'mongoose';
import { migrationDone, recordMigrationDone } from '../migration-record';
import { insertInboxEntries, type InboxEntryDocument } from './conversation-inbox.model';
import type { ConversationDocument } from './conversation.model';

/** Fields of the layout before `state` (2026-12-01), kept at the top level of the document. */
const LEGACY_FIELDS = ['lastSeq', 'fence', 'lastMessage', 'lastMessageTime', 'lastActivityAt', 'members'] as const;

type LegacyConversation = Partial<Record<(typeof LEGACY_FIELDS)[number], unknown>> & { _id: string };

/**
 * Moves conversations stored in the earlier layout (state fields at the top level) into `state`.
 * Runs at start-up, before the service serves; idempotent, and safe when several processes start
 * at once (each document moves once: the filter requires `state` to be missing). Version 0 and
 * the stored fence keep the first write after it ordered above it.
 */
export async function migrateConversationLayout(collection: mongo.Collection<ConversationDocument>): Promise<number> {
  const legacy = collection.find({ state: { $exists: false } } as mongo.Filter<ConversationDocument>);
  let moved = 0;
  for await (const doc of legacy as unknown as AsyncIterable<LegacyConversation>) {
    const lastMessageTime = (doc.lastMessageTime as Date | null | undefined) ?? null;
    const state: ConversationDocument['state'] = {
      fence: (doc.fence as number | undefined) ?? 0,
      version: 0,
      lastSeq: (doc.lastSeq as number | undefined) ?? 0,
      lastActivityAt: (doc.lastActivityAt as Date | undefined) ?? lastMessageTime ?? new Date(0),
      lastMessage: (doc.lastMessage as ConversationDocument['state']['lastMessage'] | undefined) ?? null,
      lastMessageTime,
      members: (doc.members as ConversationDocument['state']['members'] | undefined) ?? {},
    };
    const result = await collection.updateOne(
      { _id: doc._id, state: { $exists: false } } as mongo.Filter<ConversationDocument>,
      {
        $set: { state },
        $unset: Object.fromEntries(LEGACY_FIELDS.map((field) => [field, ''])),
      } as mongo.UpdateFilter<ConversationDocument>,
    );
    moved += result.modifiedCount;
  }
  return moved;
}

/** Marks the inbox backfill done, in `migrations`, so later start-ups skip the scan. */
const INBOX_BACKFILL = 'inboxes-v1';
/** Inbox entries written per round trip while backfilling. @default 500 */
const BACKFILL_BATCH = 500;

/**
 * Gives every participant of every conversation stored before inboxes existed its inbox entry
 * (conversation-inbox.model.ts). Runs at start-up until it has completed once; idempotent (an
 * entry that exists is left alone), so processes starting together, or one that died midway,
 * are safe. Returns the entries it wrote.
 */
export async function backfillInboxes(db: mongo.Db): Promise<number> {
  if (await migrationDone(db, INBOX_BACKFILL)) return 0;
  const inboxes = db.collection<InboxEntryDocument>('inboxes');
  let written = 0;
  let batch: InboxEntryDocument[] = [];
  const flush = async () => {
    written += await insertInboxEntries(inboxes, batch);
    batch = [];
  };
  const conversations = db
    .collection<ConversationDocument>('conversations')
    .find({}, { projection: { _id: 1, participants: 1 } });
  for await (const conversation of conversations) {
    for (const userId of conversation.participants) {
      batch.push({ _id: `${userId}|${conversation._id}`, userId, conversationId: conversation._id });
      if (batch.length >= BACKFILL_BATCH) await flush();
    }
  }
  await flush();
  await recordMigrationDone(db, INBOX_BACKFILL);
  return written;
}

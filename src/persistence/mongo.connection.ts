import mongoose, { type Connection, type mongo } from 'mongoose';
import { ChatMessageModelName, chatMessageSchema, RETIRED_CHAT_MESSAGE_INDEXES } from './message/chat-message.model';
import { backfillCarrierEntries, backfillMentionEntries, flagDeletedMessages } from './message/chat-message.migration';
import { CarrierEntryModelName, carrierEntrySchema } from './message/carrier-entry.model';
import { MentionEntryModelName, mentionEntrySchema } from './message/mention-entry.model';
import { backfillInboxes, migrateConversationLayout } from './conversation/conversation.migration';
import {
  ConversationModelName,
  conversationSchema,
  RETIRED_CONVERSATION_INDEXES,
} from './conversation/conversation.model';
import { MembershipModelName, membershipSchema } from './membership/membership.model';
import { MessageChangeModelName, messageChangeSchema } from './timeline/message-change.model';
import { EventCheckpointModelName, eventCheckpointSchema } from './user-stream/event-checkpoint.model';
import { UserJournalModelName, userJournalSchema } from './user-stream/user-journal.model';
import { InboxEntryModelName, inboxEntrySchema } from './conversation/conversation-inbox.model';
import { ScheduledMessageModelName, scheduledMessageSchema } from './scheduling/scheduled-message.model';
import { ATTACHMENT_BUCKET, AttachmentModelName, attachmentSchema } from './attachment/attachment.model';
import { UserModelName, userSchema } from './user/user.model';
import { DEFAULT_DATABASE_POOL_SIZE } from '../config/config';

export interface MongoHandle {
  readonly connection: Connection;
  /** Round-trips a ping; false on failure or after `timeoutMs`. @default 1000 */
  ping(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Query-injection policy, chosen deliberately: every filter is built in the repositories from
 * validated scalars (ids are checked as 24-hex strings, text is a string), and the edges refuse any
 * `$`-prefixed key in user input. Schemas use `strictQuery: 'throw'`, so a filter on an unknown
 * field fails loudly instead of being stripped (stripping could widen a scoped query to `{}`).
 * `sanitizeFilter` stays off: it would also neutralise our own `$in`/`$gt` operators, and 9.12.1's
 * version misses some operators anyway.
 *
 * Opens a dedicated connection (not mongoose's global one, so several services can share a
 * process in tests) and registers the models on it. `dbName` overrides the URL's database. Commands fail fast instead of buffering
 * while disconnected: a send must answer promptly, not hang until the database returns.
 */
export async function connectMongo(
  url: string,
  /**
   * `onCommand`: told of every command sent, from the first (the index audit test reads them).
   * `poolSize`: connections at most (config.ts, `DATABASE_POOL_SIZE`, says why it is small).
   */
  options: { dbName?: string; onCommand?: (event: mongo.CommandStartedEvent) => void; poolSize?: number } = {},
): Promise<MongoHandle> {
  const connection = mongoose.createConnection(url, {
    ...(options.dbName ? { dbName: options.dbName } : {}),
    ...(options.onCommand ? { monitorCommands: true } : {}),
    bufferCommands: false,
    serverSelectionTimeoutMS: 5_000,
    // A stalled server (e.g. SIGSTOP) must fail requests with SERVICE_UNAVAILABLE, not hang them.
    socketTimeoutMS: 5_000,
    maxPoolSize: options.poolSize ?? DEFAULT_DATABASE_POOL_SIZE,
    ...concernsFor(url),
  });
  if (options.onCommand) connection.getClient().on('commandStarted', options.onCommand);
  await connection.asPromise();
  // Registered only once connected: with buffering off, index creation would otherwise race the connection.
  const models = [
    connection.model(UserModelName, userSchema),
    connection.model(ConversationModelName, conversationSchema),
    connection.model(ChatMessageModelName, chatMessageSchema),
    connection.model(MembershipModelName, membershipSchema),
    connection.model(MessageChangeModelName, messageChangeSchema),
    connection.model(AttachmentModelName, attachmentSchema),
    connection.model(ScheduledMessageModelName, scheduledMessageSchema),
    connection.model(InboxEntryModelName, inboxEntrySchema),
    connection.model(MentionEntryModelName, mentionEntrySchema),
    connection.model(CarrierEntryModelName, carrierEntrySchema),
    connection.model(EventCheckpointModelName, eventCheckpointSchema),
    connection.model(UserJournalModelName, userJournalSchema),
  ];
  try {
    await Promise.all(models.map((model) => ensureIndexes(model)));
    await ensureGridFsIndexes(connection.db!);
    await dropRetiredIndexes(connection.db!.collection('chatmessages'), RETIRED_CHAT_MESSAGE_INDEXES);
    await migrateConversationLayout(connection.db!.collection('conversations'));
    await backfillInboxes(connection.db!);
    await flagDeletedMessages(connection.db!);
    await backfillMentionEntries(connection.db!);
    await backfillCarrierEntries(connection.db!);
    await dropRetiredIndexes(connection.db!.collection('conversations'), RETIRED_CONVERSATION_INDEXES);
  } catch (error) {
    await connection.close();
    throw error;
  }

  return {
    connection,
    async ping(timeoutMs = 1_000) {
      const db = connection.db;
      if (!db) return false;
      const timeout = new Promise<false>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref());
      const ping = db
        .command({ ping: 1 })
        .then(() => true)
        .catch(() => false);
      return Promise.race([ping, timeout]);
    },
    close: () => connection.close(),
  };
}

/** True when the URI names a replica set (`replicaSet=`) or is an SRV record (Atlas-style clusters are). */
export function namesReplicaSet(url: string): boolean {
  return url.startsWith('mongodb+srv://') || /[?&]replicaSet=[^&]+/.test(url);
}

/**
 * Read and write concerns, chosen deliberately. On a replica set every write waits for a majority
 * (and the journal), so a message confirmed to its sender survives a failover; it times out after
 * 5 s as the retryable SERVICE_UNAVAILABLE (persistence/errors.ts) rather than hang. The driver
 * also retries a write once across an election (every write here is idempotent, so that is safe).
 * Reads go to the primary with the default `local` concern: whatever they can see that a
 * failover could roll back was never acknowledged to anyone. On one server (and FerretDB, which
 * implements neither majority waits nor retryable writes) the defaults apply: `w: 1`, no retries.
 */
export function concernsFor(url: string) {
  if (!namesReplicaSet(url)) return { retryWrites: false };
  return { retryWrites: true, writeConcern: { w: 'majority' as const, journal: true, wtimeoutMS: 5_000 } };
}

/** FerretDB answers a createIndex racing another process's with code 1, "... already exists". */
function isIndexRace(error: unknown): boolean {
  return error instanceof Error && /already exists/i.test(error.message);
}

/**
 * Creates the schema's indexes. Several processes starting at once (an API and WS instances) race
 * to create them; MongoDB treats that as success, FerretDB v1 answers "already exists" to the
 * loser, which then checks again instead of refusing to start.
 */
async function ensureIndexes(model: { init(): Promise<unknown>; createIndexes(): Promise<unknown> }): Promise<void> {
  try {
    await model.init();
  } catch (error) {
    if (!isIndexRace(error)) throw error;
    await model.createIndexes();
  }
}

/**
 * The indexes GridFS reads by (the driver would create them on the first upload, racing other
 * instances; FerretDB answers such a race with an error the driver does not expect).
 */
async function ensureGridFsIndexes(db: mongo.Db): Promise<void> {
  const create = (collection: string, keys: mongo.IndexSpecification, options: mongo.CreateIndexesOptions = {}) =>
    db
      .collection(`${ATTACHMENT_BUCKET}.${collection}`)
      .createIndex(keys, options)
      .catch((error: unknown) => {
        if (!isIndexRace(error)) throw error;
      });
  await create('files', { filename: 1, uploadDate: 1 });
  await create('chunks', { files_id: 1, n: 1 }, { unique: true });
}

/**
 * Drops indexes a new one replaced. Runs after the replacements exist (ensureIndexes), so the
 * guarantee an index gives never lapses; a process that finds it gone already moves on.
 */
async function dropRetiredIndexes(collection: mongo.Collection, names: readonly string[]): Promise<void> {
  const existing = new Set((await collection.indexes()).map((index) => index.name));
  for (const name of names) {
    if (!existing.has(name)) continue;
    await collection.dropIndex(name).catch((error: unknown) => {
      if (!(error instanceof Error && /index not found|can't find index/i.test(error.message))) throw error;
    });
  }
}

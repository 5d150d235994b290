import mongoose, { type Connection } from 'mongoose';
import { ChatMessageModelName, chatMessageSchema } from './message/chat-message.model';
import { ConversationModelName, conversationSchema } from './conversation/conversation.model';
import { UserModelName, userSchema } from './user/user.model';

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
export async function connectMongo(url: string, options: { dbName?: string } = {}): Promise<MongoHandle> {
  const connection = mongoose.createConnection(url, {
    ...(options.dbName ? { dbName: options.dbName } : {}),
    bufferCommands: false,
    serverSelectionTimeoutMS: 5_000,
    // A stalled server (e.g. SIGSTOP) must fail requests with SERVICE_UNAVAILABLE, not hang them.
    socketTimeoutMS: 5_000,
    maxPoolSize: 50,
    // FerretDB does not implement retryable writes; our writes are idempotent by design instead.
    retryWrites: false,
  });
  await connection.asPromise();
  // Registered only once connected: with buffering off, index creation would otherwise race the connection.
  const models = [
    connection.model(UserModelName, userSchema),
    connection.model(ConversationModelName, conversationSchema),
    connection.model(ChatMessageModelName, chatMessageSchema),
  ];
  try {
    await Promise.all(models.map((model) => model.init()));
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

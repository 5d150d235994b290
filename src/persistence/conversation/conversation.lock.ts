import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import type { ConversationMutex } from '../../domain/conversation/conversation.types';
import { ChatError } from '../../domain/errors';
import type { ConversationId } from '../../domain/ids';
import { rethrowAsDomainError } from '../errors';

interface LockDocument {
  _id: string;
  owner: string;
  expiresAt: Date;
}

/** A holder that died keeps the lock at most this long. @default 10000 ms */
const LOCK_TTL_MS = 10_000;
/** How long to wait for a busy conversation before answering SERVICE_UNAVAILABLE. @default 5000 ms */
const ACQUIRE_TIMEOUT_MS = 5_000;
const DUPLICATE_KEY = 11000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A per-conversation lock arbitrated by the unique `_id` of a document in `conversation_locks`:
 * an insert either wins or fails with a duplicate key, atomically, on MongoDB and FerretDB alike.
 * Used only on FerretDB: on MongoDB, whose single-document updates are atomic, the runtime wires
 * `noConversationLock` instead.
 */
export class DocumentConversationLock implements ConversationMutex {
  readonly serializes = true;
  private readonly owner = randomBytes(8).toString('hex');
  /** Tail of the in-process queue per conversation: only one request per process contends in the database. */
  private readonly localTails = new Map<ConversationId, Promise<unknown>>();

  constructor(private readonly connection: Connection) {}

  run<T>(conversationId: ConversationId, work: () => Promise<T>): Promise<T> {
    const previous = this.localTails.get(conversationId) ?? Promise.resolve();
    const mine = previous.catch(() => undefined).then(() => this.runExclusive(conversationId, work));
    const tail = mine.catch(() => undefined);
    this.localTails.set(conversationId, tail);
    void tail.then(() => {
      if (this.localTails.get(conversationId) === tail) this.localTails.delete(conversationId);
    });
    return mine;
  }

  private async runExclusive<T>(conversationId: ConversationId, work: () => Promise<T>): Promise<T> {
    const token = `${this.owner}:${randomBytes(4).toString('hex')}`;
    await this.acquire(conversationId, token).catch(rethrowAsDomainError);
    try {
      return await work();
    } finally {
      this.release(conversationId, token);
    }
  }

  /**
   * Releases in the background, retrying: if the database stalled mid-operation, the lock insert
   * may land late, and a lock left behind would block the conversation until it expires.
   */
  private release(conversationId: ConversationId, token: string, attempt = 0): void {
    this.locks()
      .deleteOne({ _id: conversationId, owner: token })
      .catch(() => {
        if (attempt < LOCK_TTL_MS / 1000)
          setTimeout(() => this.release(conversationId, token, attempt + 1), 1000).unref();
      });
  }

  private locks() {
    return this.connection.collection<LockDocument>('conversation_locks');
  }

  private async acquire(conversationId: ConversationId, token: string): Promise<void> {
    const deadline = Date.now() + ACQUIRE_TIMEOUT_MS;
    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.locks().insertOne({
          _id: conversationId,
          owner: token,
          expiresAt: new Date(Date.now() + LOCK_TTL_MS),
        });
        return;
      } catch (error) {
        if ((error as { code?: unknown }).code !== DUPLICATE_KEY) throw error;
      }
      const holder = await this.locks().findOne({ _id: conversationId });
      if (holder && holder.expiresAt.getTime() < Date.now()) {
        // Its holder died mid-operation; take it over (only that stale holder's document is removed).
        await this.locks().deleteOne({ _id: conversationId, owner: holder.owner });
        continue;
      }
      if (Date.now() > deadline) throw ChatError.unavailable('This conversation is busy; retry shortly');
      await sleep(Math.min(2 + attempt * 2, 25) * (0.5 + Math.random()));
    }
  }
}

export const noConversationLock: ConversationMutex = { serializes: false, run: (_id, work) => work() };

/** FerretDB reports its own version in `buildInfo`; MongoDB does not. */
export async function isFerretDb(connection: Connection): Promise<boolean> {
  const info = await connection.db?.admin().command({ buildInfo: 1 });
  return typeof info?.['ferretdbVersion'] === 'string';
}

import type { Readable } from 'node:stream';
import type { ConversationId, UserId } from '../ids';

/** What a message carries of each attachment (and GraphQL's `Attachment` shows). */
export interface MessageAttachment {
  readonly id: string;
  readonly fileName: string;
  /** Sniffed from the bytes; anything not known to be safe is application/octet-stream. */
  readonly contentType: string;
  readonly size: number;
  /** Images only. */
  readonly width: number | null;
  readonly height: number | null;
}

/** An uploaded file's record (its bytes are in {@link AttachmentFiles}). */
export interface StoredAttachment extends MessageAttachment {
  readonly ownerId: UserId;
  readonly createdAt: Date;
  /**
   * When the sweep deletes it unless it was sent by then; null once a message carrying it is
   * stored. Scheduling moves it past the message's `sendAt`.
   */
  readonly expiresAt: Date | null;
  /** The conversation a send (or a scheduled send) claimed it for; null while unused. */
  readonly conversationId: ConversationId | null;
}

/** Attachment records. Each method is one query by `_id` (the shard key) unless it says otherwise. */
export interface AttachmentRepository {
  create(attachment: StoredAttachment): Promise<void>;
  findMany(ids: readonly string[]): Promise<StoredAttachment[]>;
  /** Claims them for a conversation (a send or scheduled send there). */
  claim(ids: readonly string[], conversationId: ConversationId): Promise<void>;
  /** When the sweep may delete them; null: a stored message carries them, kept for good. */
  setExpiry(ids: readonly string[], expiresAt: Date | null): Promise<void>;
  /** Back to unused (a scheduled send was cancelled), expiring at `expiresAt`. */
  release(ids: readonly string[], expiresAt: Date): Promise<void>;
  /** Up to `limit` whose expiry has passed (the sweep; every shard). */
  expired(now: Date, limit: number): Promise<StoredAttachment[]>;
  delete(ids: readonly string[]): Promise<void>;
}

/** Where the bytes live (GridFS by default). */
export interface AttachmentFiles {
  /** Streams `source` into storage as `id`; when `source` fails, whatever was written is removed and the error rethrown. */
  write(id: string, fileName: string, source: Readable): Promise<void>;
  /** The bytes from `start` to `end` inclusive (all of them by default). */
  read(id: string, range?: { readonly start: number; readonly end: number }): Readable;
  delete(ids: readonly string[]): Promise<void>;
}

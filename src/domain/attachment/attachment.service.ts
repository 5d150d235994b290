import { Transform, type Readable } from 'node:stream';
import type { ConversationVisibility } from '../conversation/conversation.visibility';
import { ChatError } from '../errors';
import { newObjectIdHex, type ConversationId, type UserId } from '../ids';
import type { MessageRepository } from '../message/message.repository';
import type { RateLimiter } from '../rate-limit';
import {
  attachmentTooLarge,
  imageDimensions,
  parseAttachmentId,
  sanitizeFileName,
  SNIFF_BYTES,
  sniffContentType,
} from './attachment.rules';
import type { AttachmentFiles, AttachmentRepository, MessageAttachment, StoredAttachment } from './attachment.types';

export interface AttachmentSettings {
  /** @see Config.attachmentMaxBytes */
  readonly maxBytes: number;
  /** @see Config.attachmentUnsentTtlSeconds */
  readonly unsentTtlSeconds: number;
}

/** Expired uploads the sweep handles per round. @default 100 */
const SWEEP_BATCH = 100;

function notFound(): ChatError {
  // One answer for "no such file" and "not yours to see": a download reveals nothing it may not.
  return ChatError.notFound('No such attachment');
}

/**
 * Uploaded files: stored as they stream in (never whole in memory), typed from their own bytes,
 * owned by their uploader until a message carries them, then readable by whoever can see that
 * message: members of its conversation, while they are members, while it is not deleted.
 */
export class AttachmentService {
  constructor(
    private readonly attachments: AttachmentRepository,
    private readonly files: AttachmentFiles,
    private readonly messages: MessageRepository,
    private readonly visibility: ConversationVisibility,
    private readonly rateLimiter: RateLimiter,
    private readonly settings: AttachmentSettings,
  ) {}

  /**
   * Stores an upload of `ownerId`. Over `maxBytes` it fails with PAYLOAD_TOO_LARGE and nothing is
   * kept; an empty file is BAD_USER_INPUT. Expires unless sent within `unsentTtlSeconds`.
   */
  async upload(ownerId: UserId, fileName: unknown, source: Readable): Promise<StoredAttachment> {
    await this.rateLimiter.consume(ownerId, 'upload');
    const now = new Date();
    const id = newObjectIdHex(now);
    const name = sanitizeFileName(fileName);
    const { meter, measured } = this.measure();
    await this.files.write(id, name, source.pipe(meter));
    const { size, head } = measured();
    if (size === 0) {
      await this.files.delete([id]);
      throw ChatError.badInput('The file is empty', 'file');
    }
    const contentType = sniffContentType(head);
    const attachment: StoredAttachment = {
      id,
      ownerId,
      fileName: name,
      contentType,
      size,
      ...imageDimensions(contentType, head),
      createdAt: now,
      expiresAt: this.freshExpiry(now),
      conversationId: null,
    };
    try {
      await this.attachments.create(attachment);
    } catch (error) {
      await this.files.delete([id]).catch(() => undefined);
      throw error;
    }
    return attachment;
  }

  /**
   * An attachment `userId` may download: the uploader until it is sent; after, members who can
   * see a message of its conversation that carries it (not deleted, not from before they joined,
   * not cleared). NOT_FOUND for everyone and everything else, malformed ids included.
   */
  async find(userId: UserId, attachmentIdInput: unknown): Promise<StoredAttachment> {
    let attachmentId: string;
    try {
      attachmentId = parseAttachmentId(attachmentIdInput, 'attachmentId');
    } catch {
      throw notFound();
    }
    const [attachment] = await this.attachments.findMany([attachmentId]);
    if (!attachment || !(await this.mayRead(userId, attachment))) throw notFound();
    return attachment;
  }

  /** The bytes of an attachment {@link find} handed out, from `start` to `end` inclusive (all by default). */
  read(attachment: StoredAttachment, range?: { readonly start: number; readonly end: number }): Readable {
    return this.files.read(attachment.id, range);
  }

  /**
   * The sender's uploads named by a send to `conversationId`, claimed for it. Each must be an
   * upload of the sender's not yet sent and not expired, unclaimed or claimed for this same
   * conversation (by a scheduled send, or a send that failed); else BAD_USER_INPUT. `keepUntil`
   * (scheduling) keeps them at least that long.
   */
  async claimForSend(
    senderId: UserId,
    conversationId: ConversationId,
    ids: readonly string[],
    keepUntil?: Date,
  ): Promise<MessageAttachment[]> {
    if (ids.length === 0) return [];
    const found = new Map((await this.attachments.findMany(ids)).map((attachment) => [attachment.id, attachment]));
    const now = Date.now();
    const claimed = ids.map((id) => {
      const attachment = found.get(id);
      const usable =
        attachment !== undefined &&
        attachment.ownerId === senderId &&
        attachment.expiresAt !== null &&
        attachment.expiresAt.getTime() > now &&
        (attachment.conversationId === null || attachment.conversationId === conversationId);
      if (!usable) {
        throw ChatError.badInput(
          `attachmentIds: ${id} is not an unsent upload of yours for this conversation`,
          'attachmentIds',
        );
      }
      return attachment;
    });
    await this.attachments.claim(ids, conversationId);
    if (keepUntil) await this.attachments.setExpiry(ids, keepUntil);
    return claimed.map(({ id, fileName, contentType, size, width, height }) => ({
      id,
      fileName,
      contentType,
      size,
      width,
      height,
    }));
  }

  /** A message carrying them is stored: they are kept for good (until it is deleted). */
  async sent(ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await this.attachments.setExpiry(ids, null);
  }

  /** A scheduled send that will not happen: back to unused, expiring as a fresh upload would. */
  async released(ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await this.attachments.release(ids, this.freshExpiry());
  }

  /** Their message was deleted: the bytes and records go. */
  async discard(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.files.delete(ids);
    await this.attachments.delete(ids);
  }

  /**
   * Deletes uploads whose expiry passed. One claimed by a send whose message was stored after all
   * (the instance died between the two writes) is kept instead. Returns how many were deleted.
   */
  async sweep(now = new Date()): Promise<number> {
    let deleted = 0;
    for (;;) {
      const expired = await this.attachments.expired(now, SWEEP_BATCH);
      const doomed: string[] = [];
      for (const attachment of expired) {
        const carrier =
          attachment.conversationId === null
            ? null
            : await this.messages.findCarrying(attachment.conversationId, attachment.id);
        if (carrier) await this.attachments.setExpiry([attachment.id], null);
        else doomed.push(attachment.id);
      }
      await this.discard(doomed);
      deleted += doomed.length;
      if (expired.length < SWEEP_BATCH) return deleted;
    }
  }

  private freshExpiry(from = new Date()): Date {
    return new Date(from.getTime() + this.settings.unsentTtlSeconds * 1000);
  }

  private async mayRead(userId: UserId, attachment: StoredAttachment): Promise<boolean> {
    if (attachment.expiresAt !== null) return attachment.ownerId === userId;
    if (attachment.conversationId === null) return false;
    const carrier = await this.messages.findCarrying(attachment.conversationId, attachment.id);
    if (!carrier || carrier.deletedAt !== null) return false;
    try {
      const { range } = await this.visibility.resolve(userId, { conversationId: attachment.conversationId });
      return carrier.seq > range.floorSeq;
    } catch (error) {
      if (error instanceof ChatError && (error.code === 'FORBIDDEN' || error.code === 'NOT_FOUND')) return false;
      throw error;
    }
  }

  /**
   * A pass-through that counts bytes, keeps the first SNIFF_BYTES, and fails the upload with
   * PAYLOAD_TOO_LARGE the moment it passes `maxBytes`.
   */
  private measure(): { meter: Transform; measured: () => { size: number; head: Uint8Array } } {
    const { maxBytes } = this.settings;
    let size = 0;
    const head: Buffer[] = [];
    let headBytes = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (size > maxBytes) {
          done(attachmentTooLarge(maxBytes));
          return;
        }
        if (headBytes < SNIFF_BYTES) {
          const part = chunk.subarray(0, SNIFF_BYTES - headBytes);
          head.push(Buffer.from(part));
          headBytes += part.length;
        }
        done(null, chunk);
      },
    });
    return { meter, measured: () => ({ size, head: Buffer.concat(head) }) };
  }
}

import type { AttachmentService } from '../attachment/attachment.service';
import { blockRefusal } from '../blocking/block.rules';
import type { ConversationAccess, ConversationTarget } from '../conversation/conversation.access';
import type { ConversationRepository } from '../conversation/conversation.types';
import { ChatError, type ErrorCode } from '../errors';
import { isObjectIdHex, newObjectIdHex, type ConversationId, type UserId } from '../ids';
import { MAX_PENDING_SCHEDULED_PER_USER, MAX_SCHEDULE_LEAD_DAYS } from '../limits';
import type { MessageService } from '../message/message.service';
import type { SendMessageRequest } from '../message/message.types';
import type { RateLimiter } from '../rate-limit';
import { NO_DETAILS, type UserJournal } from '../timeline/user-journal';
import type {
  JobLocks,
  ScheduledMessage,
  ScheduledMessageRepository,
  ScheduledUpdate,
} from './scheduled-message.types';

export interface SchedulingSettings {
  /** @see Config.scheduleMinLeadSeconds */
  readonly minLeadSeconds: number;
  /** @see Config.attachmentUnsentTtlSeconds (a scheduled message's uploads outlive its sendAt by this). */
  readonly attachmentUnsentTtlSeconds: number;
}

/** Why a send fails for good: the scheduled message becomes FAILED. Anything else is tried again. */
const FINAL_FAILURES: ReadonlySet<ErrorCode> = new Set([
  'BAD_USER_INPUT',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'BLOCKED',
  'PAYLOAD_TOO_LARGE',
]);
/** A send that keeps failing for reasons that may pass is given up this long after its sendAt. @default 1 h */
const GIVE_UP_AFTER_MS = 60 * 60 * 1000;
/** How long one instance holds a scheduled message while sending it. @default 30 s */
const SEND_LOCK_MS = 30_000;
/** Finished ones the list still shows, by how long ago they were due. @default 7 days */
const LIST_FINISHED_FOR_MS = 7 * 24 * 3600 * 1000;
/** Due messages one query of the sender loop takes on. @default 100 */
const DUE_BATCH = 100;
/** Queries one round makes while each comes back full (a backlog), before the next round. @default 10 */
const MAX_ROUNDS_AT_ONCE = 10;
/** Sends of due messages in flight at once. @default 32 */
const SEND_CONCURRENCY = 32;
/** Tries, 100 ms apart, to take a lock another request or instance holds briefly. @default 30 */
const LOCK_TRIES = 30;

/** The lock an instance holds while sending (or cancelling) one scheduled message. */
export const scheduledLockKey = (id: string) => `chat:scheduled:{${id}}`;
const pendingLockOf = (userId: UserId) => `chat:scheduling:{${userId}}`;
/** The send's idempotency key: however many times it is tried, one message. */
export const scheduledClientMessageId = (id: string) => `scheduled-${id}`;

/**
 * Messages sent later. Durable in MongoDB; each API instance looks for due ones every
 * SCHEDULER_POLL_MS and sends each under a Redis lock, through the normal send path with a
 * deterministic clientMessageId, so it is sent once however many instances run, and a retry after
 * a crash finds the message already stored. Validated when scheduled; membership and blocks are
 * judged again when sent (by the send path, under the conversation's lease).
 */
export class ScheduledMessageService {
  constructor(
    private readonly scheduled: ScheduledMessageRepository,
    private readonly locks: JobLocks,
    private readonly messages: MessageService,
    private readonly attachments: AttachmentService,
    private readonly access: ConversationAccess,
    private readonly conversations: ConversationRepository,
    private readonly rateLimiter: RateLimiter,
    private readonly journal: UserJournal,
    private readonly settings: SchedulingSettings,
  ) {}

  /**
   * Schedules `request` for `sendAtInput`: SCHEDULE_MIN_LEAD_SECONDS to MAX_SCHEDULE_LEAD_DAYS
   * ahead, at most MAX_PENDING_SCHEDULED_PER_USER pending per user (CONFLICT past it).
   */
  async schedule(userId: UserId, request: SendMessageRequest, sendAtInput: unknown): Promise<ScheduledMessage> {
    await this.rateLimiter.consume(userId, 'schedule');
    const now = new Date();
    const sendAt = this.parseSendAt(sendAtInput, now);
    if (request.clientMessageId != null) {
      throw ChatError.badInput('A scheduled message gets its own clientMessageId: leave it out', 'clientMessageId');
    }
    const keepUploadsUntil = new Date(sendAt.getTime() + this.settings.attachmentUnsentTtlSeconds * 1000);
    const prepared = await this.messages.prepare(userId, request, keepUploadsUntil);
    if ('duplicateOf' in prepared) throw new Error('a send without clientMessageId cannot be a duplicate');
    const { conversationId, outgoing } = prepared;
    // What the send path judges only under the lease, judged now too, so a hopeless one is refused at once.
    if (prepared.participants === null) await this.access.groupMember(userId, conversationId);
    else {
      const refusal = blockRefusal(await this.conversations.findById(conversationId), userId);
      if (refusal) throw refusal;
    }
    const scheduled: ScheduledMessage = {
      id: newObjectIdHex(now),
      senderId: userId,
      conversationId,
      content: {
        message: outgoing.message,
        messageType: outgoing.messageType,
        attachmentUrl: outgoing.attachments.length > 0 ? null : outgoing.attachmentUrl,
        attachmentIds: outgoing.attachments.map((attachment) => attachment.id),
        replyToId: outgoing.replyToId,
        mentionedUserIds: outgoing.mentions,
      },
      sendAt,
      status: 'PENDING',
      createdAt: now,
      updatedAt: now,
      sentMessageId: null,
      failure: null,
      attempts: 0,
    };
    // Counted and stored under one lock, so parallel requests cannot pass the cap together.
    await this.underLock(pendingLockOf(userId), 5_000, async () => {
      if ((await this.scheduled.countPending(userId)) >= MAX_PENDING_SCHEDULED_PER_USER) {
        throw new ChatError(
          'CONFLICT',
          `You have ${MAX_PENDING_SCHEDULED_PER_USER} scheduled messages pending; cancel one or wait for it to be sent`,
        );
      }
      await this.scheduled.insert(scheduled);
    });
    return scheduled;
  }

  /**
   * Cancels one of the caller's pending scheduled messages (true; again: true). NOT_FOUND for an
   * unknown id or someone else's; CONFLICT once it was sent or failed.
   */
  async cancel(userId: UserId, idInput: unknown): Promise<boolean> {
    await this.rateLimiter.consume(userId, 'schedule');
    const id = typeof idInput === 'string' ? idInput.trim().toLowerCase() : '';
    if (!isObjectIdHex(id)) throw ChatError.notFound('No such scheduled message');
    // Under the lock the sender holds while sending: cancelled before, it is never sent; after, it was.
    return this.underLock(scheduledLockKey(id), SEND_LOCK_MS, async () => {
      const found = await this.scheduled.find(userId, id);
      if (!found) throw ChatError.notFound('No such scheduled message');
      if (found.status === 'CANCELLED') return true;
      if (found.status !== 'PENDING') {
        throw new ChatError('CONFLICT', `This scheduled message was already ${found.status.toLowerCase()}`);
      }
      await this.finish(found, { status: 'CANCELLED' });
      return true;
    });
  }

  /** The caller's scheduled messages (one conversation's, or all): pending, and those due in the last 7 days. */
  async list(userId: UserId, target: ConversationTarget): Promise<ScheduledMessage[]> {
    const named = target.conversationId != null || target.targetUserId != null;
    const conversationId: ConversationId | null = named
      ? (await this.access.resolve(userId, target)).conversationId
      : null;
    return this.scheduled.list(userId, conversationId, new Date(Date.now() - LIST_FINISHED_FOR_MS));
  }

  /**
   * One round of the sender loop: sends what is due. Each under its lock (an instance that finds
   * it taken moves on); the send is idempotent, so one whose sender died midway is finished by
   * the next round anywhere. Counts what it settled (sent or failed for good) and what it will
   * try again (the send failed for a reason that may pass).
   */
  async sendDue(now = new Date()): Promise<{ settled: number; retrying: number }> {
    const counts = { settled: 0, retrying: 0 };
    for (let round = 0; round < MAX_ROUNDS_AT_ONCE; round += 1) {
      const due = await this.scheduled.due(now, DUE_BATCH);
      const settledBefore = counts.settled;
      // Side by side, as many users' sends would be: the writer batches them (one by one, 50 due
      // at the same moment took 2.4 s on FerretDB; bench/README.md, S).
      for (let start = 0; start < due.length; start += SEND_CONCURRENCY) {
        const outcomes = await Promise.all(
          due.slice(start, start + SEND_CONCURRENCY).map(({ senderId, id }) => this.sendNow(senderId, id, now)),
        );
        for (const outcome of outcomes) if (outcome !== 'skipped') counts[outcome] += 1;
      }
      // A full query means a backlog: go on, unless nothing moved (all held elsewhere, or failing).
      if (due.length < DUE_BATCH || counts.settled === settledBefore) break;
    }
    return counts;
  }

  /**
   * Pending ones due by `until` (before the next round), so that a caller can send each at its
   * moment ({@link sendNow}) instead of up to a round late.
   */
  async dueBy(until: Date): Promise<Array<Pick<ScheduledMessage, 'id' | 'senderId' | 'sendAt'>>> {
    return (await this.scheduled.due(until, DUE_BATCH)).map(({ id, senderId, sendAt }) => ({ id, senderId, sendAt }));
  }

  /**
   * Sends one scheduled message if it is pending and due, under its lock; 'skipped' when another
   * instance holds the lock, or it was settled meanwhile, or it is not due yet.
   */
  async sendNow(senderId: UserId, id: string, now = new Date()): Promise<'settled' | 'retrying' | 'skipped'> {
    const release = await this.locks.tryLock(scheduledLockKey(id), SEND_LOCK_MS);
    if (!release) return 'skipped';
    try {
      return await this.sendOne(senderId, id, now);
    } finally {
      await release();
    }
  }

  private async sendOne(senderId: UserId, id: string, now: Date): Promise<'settled' | 'retrying' | 'skipped'> {
    // Read again under the lock: a cancel (or another instance) may have settled it since.
    const scheduled = await this.scheduled.find(senderId, id);
    if (!scheduled || scheduled.status !== 'PENDING' || scheduled.sendAt > now) return 'skipped';
    const { content } = scheduled;
    try {
      const message = await this.messages.send(
        senderId,
        {
          conversationId: scheduled.conversationId,
          message: content.message,
          messageType: content.messageType,
          attachmentUrl: content.attachmentUrl,
          attachmentIds: content.attachmentIds,
          replyToId: content.replyToId,
          mentionedUserIds: content.mentionedUserIds,
          clientMessageId: scheduledClientMessageId(id),
        },
        { rateLimited: false },
      );
      await this.scheduled.update(senderId, id, {
        status: 'SENT',
        sentMessageId: message.id,
        failure: null,
        attempts: scheduled.attempts,
        updatedAt: new Date(),
      });
      // After the status: a sender that dies in between is finished by the next round, which finds
      // it SENT and records nothing; so this outcome is at most once, the status exactly once.
      await this.journal.record([senderId], {
        ...NO_DETAILS,
        type: 'SCHEDULED_SENT',
        conversationId: scheduled.conversationId,
        actorId: senderId,
        occurredAt: new Date(),
        messageId: message.id,
        scheduledMessageId: id,
      });
      return 'settled';
    } catch (error) {
      const code: ErrorCode = error instanceof ChatError ? error.code : 'INTERNAL_SERVER_ERROR';
      const final = FINAL_FAILURES.has(code) || now.getTime() - scheduled.sendAt.getTime() > GIVE_UP_AFTER_MS;
      if (!final) {
        await this.scheduled.update(senderId, id, {
          status: 'PENDING',
          sentMessageId: null,
          failure: null,
          attempts: scheduled.attempts + 1,
          updatedAt: new Date(),
        });
        return 'retrying';
      }
      const message = error instanceof ChatError ? error.message : 'The message could not be sent';
      await this.finish(scheduled, { status: 'FAILED', failure: { code, message } });
      await this.journal.record([senderId], {
        ...NO_DETAILS,
        type: 'SCHEDULED_FAILED',
        conversationId: scheduled.conversationId,
        actorId: senderId,
        occurredAt: new Date(),
        scheduledMessageId: id,
        failure: { code, message },
      });
      return 'settled';
    }
  }

  /** Settles a pending one as cancelled or failed; its uploads go back to the sender's drafts. */
  private async finish(
    scheduled: ScheduledMessage,
    outcome: { status: 'CANCELLED' | 'FAILED'; failure?: ScheduledUpdate['failure'] },
  ): Promise<void> {
    await this.scheduled.update(scheduled.senderId, scheduled.id, {
      status: outcome.status,
      sentMessageId: null,
      failure: outcome.failure ?? null,
      attempts: scheduled.attempts,
      updatedAt: new Date(),
    });
    await this.attachments.released(scheduled.content.attachmentIds);
  }

  private parseSendAt(value: unknown, now: Date): Date {
    const sendAt = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : null;
    if (!sendAt || Number.isNaN(sendAt.getTime())) throw ChatError.badInput('sendAt must be a date and time', 'sendAt');
    const lead = sendAt.getTime() - now.getTime();
    if (lead < this.settings.minLeadSeconds * 1000) {
      throw ChatError.badInput(`sendAt must be at least ${this.settings.minLeadSeconds} s ahead`, 'sendAt');
    }
    if (lead > MAX_SCHEDULE_LEAD_DAYS * 24 * 3600 * 1000) {
      throw ChatError.badInput(`sendAt must be at most ${MAX_SCHEDULE_LEAD_DAYS} days ahead`, 'sendAt');
    }
    return sendAt;
  }

  /** Runs `work` holding `key`, waiting a few seconds for a holder to let go; SERVICE_UNAVAILABLE after that. */
  private async underLock<T>(key: string, ttlMs: number, work: () => Promise<T>): Promise<T> {
    for (let attempt = 0; attempt < LOCK_TRIES; attempt += 1) {
      const release = await this.locks.tryLock(key, ttlMs);
      if (release) {
        try {
          return await work();
        } finally {
          await release();
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new ChatError('SERVICE_UNAVAILABLE', 'Busy with this right now; retry shortly', { retryAfter: 1 });
  }
}

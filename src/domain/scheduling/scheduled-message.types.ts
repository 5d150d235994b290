import type { ConversationId, UserId } from '../ids';
import type { MessageType } from '../message/message.types';

export type ScheduledStatus = 'PENDING' | 'SENT' | 'CANCELLED' | 'FAILED';

/** What a scheduled send will send: the send request as validated when it was scheduled. */
export interface ScheduledContent {
  readonly message: string;
  readonly messageType: MessageType;
  readonly attachmentUrl: string | null;
  readonly attachmentIds: readonly string[];
  readonly replyToId: string | null;
  readonly mentionedUserIds: readonly UserId[];
}

export interface ScheduledMessage {
  readonly id: string;
  readonly senderId: UserId;
  readonly conversationId: ConversationId;
  readonly content: ScheduledContent;
  readonly sendAt: Date;
  readonly status: ScheduledStatus;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** SENT: the message it became. */
  readonly sentMessageId: string | null;
  /** FAILED: why (an error code such as BLOCKED or FORBIDDEN, and its message). */
  readonly failure: { readonly code: string; readonly message: string } | null;
  /** Sends tried that failed for a reason that may pass (database or Redis away). */
  readonly attempts: number;
}

/** What a state change writes. */
export type ScheduledUpdate = Pick<ScheduledMessage, 'status' | 'sentMessageId' | 'failure' | 'attempts' | 'updatedAt'>;

/** Scheduled messages. Every method but {@link due} names the sender (the shard key). */
export interface ScheduledMessageRepository {
  insert(scheduled: ScheduledMessage): Promise<void>;
  find(senderId: UserId, id: string): Promise<ScheduledMessage | null>;
  countPending(senderId: UserId): Promise<number>;
  /** The sender's, pending or due since `since`, in one conversation or all, soonest first. */
  list(senderId: UserId, conversationId: ConversationId | null, since: Date): Promise<ScheduledMessage[]>;
  /** Pending ones due by `now`, soonest first (the sender loop; every shard). */
  due(now: Date, limit: number): Promise<ScheduledMessage[]>;
  update(senderId: UserId, id: string, update: ScheduledUpdate): Promise<void>;
}

/**
 * Short exclusive locks shared by every instance (Redis `SET NX PX`). A holder that outlives `ttlMs`
 * loses the lock; what it guards must stay safe then (a scheduled send is idempotent).
 */
export interface JobLocks {
  /** The lock's release, or null when someone else holds it. */
  tryLock(key: string, ttlMs: number): Promise<(() => Promise<void>) | null>;
}

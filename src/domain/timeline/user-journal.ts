import type { EventPublisher } from '../events';
import type { ConversationId, UserId } from '../ids';

/** What a user's journal records: their stream's events that belong to no conversation timeline. */
export type JournalEntryType =
  'MESSAGES_READ' | 'CHAT_STARTED' | 'CHAT_ENDED' | 'BLOCKED' | 'UNBLOCKED' | 'SCHEDULED_SENT' | 'SCHEDULED_FAILED';

/**
 * One entry of a user's journal, at `seq` (1, 2, 3 ... per user, dense: each is stored at the
 * position after the newest one stored).
 */
export interface JournalEntry {
  readonly seq: number;
  readonly type: JournalEntryType;
  readonly conversationId: ConversationId;
  readonly actorId: UserId;
  readonly occurredAt: Date;
  /** MESSAGES_READ: how far the reader has read. */
  readonly readSeq: number | null;
  /** MESSAGES_READ: the messages this read marked (DIRECT; at most MAX_JOURNAL_MESSAGE_IDS). */
  readonly messageIds: readonly string[];
  /** BLOCKED, UNBLOCKED: whom. */
  readonly userIds: readonly UserId[];
  /** SCHEDULED_SENT: the message it became. */
  readonly messageId: string | null;
  /** SCHEDULED_SENT, SCHEDULED_FAILED: which scheduled message. */
  readonly scheduledMessageId: string | null;
  /** SCHEDULED_FAILED: why (an error code and its text). */
  readonly failure: { readonly code: string; readonly message: string } | null;
}

/** An entry's type-specific fields, empty: each recorder sets what its type has. */
export const NO_DETAILS = {
  readSeq: null,
  messageIds: [],
  userIds: [],
  messageId: null,
  scheduledMessageId: null,
  failure: null,
} as const satisfies Partial<JournalEntry>;

export type NewJournalEntry = Omit<JournalEntry, 'seq'>;

/** Message ids one journal entry keeps; `readSeq` says the rest. @default 100 */
export const MAX_JOURNAL_MESSAGE_IDS = 100;

/** Storage of journals; implemented with mongoose in persistence/. */
export interface UserJournalRepository {
  /** Stores the entry at the user's next position (retrying past a racing writer); returns it. */
  append(userId: UserId, entry: NewJournalEntry): Promise<JournalEntry>;
  /** Entries after `afterSeq`, oldest first, at most `limit`. */
  after(userId: UserId, afterSeq: number, limit: number): Promise<JournalEntry[]>;
  /** The newest position stored (0 for none). */
  lastSeq(userId: UserId): Promise<number>;
}

/**
 * The events of a user's stream that no conversation timeline holds: the read receipts a user
 * should learn of on every device (their own reads, and in a DIRECT conversation the other
 * person's), chats started and ended, their own blocks, their scheduled messages' outcomes. Stored
 * per user (a group's receipts would cost a write per member, so a group read
 * goes to the reader's journal only; the members see `readByCount` on any reload and the live
 * `messagesRead`). Each entry is published to its user's own topic after it is stored.
 */
export class UserJournal {
  constructor(
    private readonly journals: UserJournalRepository,
    private readonly publisher: EventPublisher,
  ) {}

  async record(audience: readonly UserId[], entry: NewJournalEntry): Promise<void> {
    const trimmed = { ...entry, messageIds: entry.messageIds.slice(-MAX_JOURNAL_MESSAGE_IDS) };
    await Promise.all(
      [...new Set(audience)].map(async (userId) => {
        const stored = await this.journals.append(userId, trimmed);
        await this.publisher.publish({
          kind: 'USER_JOURNAL',
          userId,
          entry: { ...stored, occurredAt: stored.occurredAt.toISOString() },
        });
      }),
    );
  }
}

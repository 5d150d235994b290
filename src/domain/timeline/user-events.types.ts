import type { ConversationId, UserId } from '../ids';
import type { PresenceType } from '../events';
import type { ConversationEvent, TimelinePosition } from './timeline.types';
import type { JournalEntry } from './user-journal';

/**
 * Where a user's stream stands in each of their conversations, and in their journal (under
 * JOURNAL_KEY, its position in `seq`).
 */
export type PositionVector = ReadonlyMap<ConversationId, TimelinePosition>;

/** The vector's entry for the user's journal (no conversation id looks like it). */
export const JOURNAL_KEY = 'journal' as ConversationId;

/**
 * A stored position vector: the base a user-stream cursor names (user-cursor.ts). A cursor
 * carries the checkpoint's id and the few conversations that moved since, so it stays short
 * however many conversations the user has.
 */
export interface EventCheckpoint {
  readonly id: string;
  readonly userId: UserId;
  readonly positions: PositionVector;
  readonly createdAt: Date;
}

/** Storage of checkpoints; implemented with mongoose in persistence/. */
export interface EventCheckpointRepository {
  /** Stores the vector; returns the new checkpoint's id. */
  insert(userId: UserId, positions: PositionVector): Promise<string>;
  /** The user's checkpoint `id`; null when there is none (pruned, or another user's). */
  find(userId: UserId, id: string): Promise<EventCheckpoint | null>;
  /** Deletes the user's checkpoints beyond the newest `keep`; returns how many. */
  pruneFor(userId: UserId, keep: number): Promise<number>;
}

/** Events that ride the user stream live only: never stored, never replayed. */
export type LiveOnlyUserEvent =
  | {
      readonly type: 'TYPING';
      readonly conversationId: ConversationId;
      readonly actorId: UserId;
      readonly isTyping: boolean;
    }
  | { readonly type: 'PRESENCE'; readonly actorId: UserId; readonly status: PresenceType; readonly occurredAt: Date }
  | {
      /** Another member's read in a group (a DIRECT read, and one's own, are in the journal). */
      readonly type: 'MESSAGES_READ';
      readonly conversationId: ConversationId;
      readonly actorId: UserId;
      readonly readSeq: number;
      readonly occurredAt: Date;
    };

/** One entry of a user's stream, with the cursor that resumes right after it. */
export type UserEvent =
  | { readonly kind: 'timeline'; readonly cursor: string; readonly event: ConversationEvent }
  | { readonly kind: 'journal'; readonly cursor: string; readonly entry: JournalEntry }
  | { readonly kind: 'live'; readonly cursor: string; readonly event: LiveOnlyUserEvent };

export interface UserEventPage {
  /** Oldest first within each conversation. */
  readonly events: readonly UserEvent[];
  readonly endCursor: string;
  readonly hasMore: boolean;
}

import { ChatError } from '../errors';
import type { ConversationId } from '../ids';

/**
 * The exclusive right to write one conversation's document, across every process, until it
 * expires. The holder's writes carry `fence`; the store refuses a write whose fence is older than
 * the one the conversation already carries, so a holder that stalled past its lease (GC pause,
 * SIGSTOP, a slow disk) cannot overwrite what the next holder wrote.
 */
export interface ConversationLease {
  readonly conversationId: ConversationId;
  /**
   * Grows with every grant of this conversation's lease. Null when the lease store was
   * unreachable and the lease was granted by this process alone: writes are then guarded only by
   * the conversation's `lastSeq` and the messages' unique indexes (README, "The send path").
   */
  readonly fence: number | null;
}

/** Hands out conversation leases; implemented over Redis in persistence/, renewed while held. */
export interface ConversationLeases {
  /**
   * Takes the leases of those conversations that nobody holds, in one round trip, without
   * waiting. Conversations held elsewhere are simply missing from the answer.
   */
  tryAcquire(ids: readonly ConversationId[]): Promise<Map<ConversationId, ConversationLease>>;
  /** Resolves when this process no longer holds the conversation (at once if it does not). */
  releasedLocally(id: ConversationId): Promise<void>;
  /** True when this process holds the conversation's lease right now. */
  heldLocally(id: ConversationId): boolean;
  release(leases: Iterable<ConversationLease>): Promise<void>;
  /**
   * A new fence above `floor` for a lease still held, for a conversation whose stored fence is
   * ahead of the lease store's counter (the lease store restarted empty). Null: the lease is lost.
   */
  raiseFence(lease: ConversationLease, floor: number): Promise<ConversationLease | null>;
}

/** How long a writer waits for a conversation another writer holds. @default 5000 ms */
export const LEASE_WAIT_TIMEOUT_MS = 5_000;
/** Seconds a client is told to wait when a conversation stays busy or a send is refused. */
export const BUSY_RETRY_AFTER_SECONDS = 1;

export function conversationBusy(): ChatError {
  return new ChatError('SERVICE_UNAVAILABLE', 'This conversation is busy; retry shortly', {
    retryAfter: BUSY_RETRY_AFTER_SECONDS,
  });
}

/** A short randomized pause before asking the lease store again (only while another process holds the lease). */
export function leaseBackoffMs(attempt: number): number {
  return Math.min(1 + attempt, 8) * (0.5 + Math.random());
}

/**
 * Runs `work` holding the conversation's lease. Waits for a holder in this process on its
 * release (no polling); for a holder in another process, asks the lease store again after a short
 * backoff. Gives up with SERVICE_UNAVAILABLE after {@link LEASE_WAIT_TIMEOUT_MS}.
 */
export async function withLease<T>(
  leases: ConversationLeases,
  conversationId: ConversationId,
  work: (lease: ConversationLease) => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + LEASE_WAIT_TIMEOUT_MS;
  for (let attempt = 0; ; attempt += 1) {
    if (Date.now() > deadline) throw conversationBusy();
    if (leases.heldLocally(conversationId)) {
      await leases.releasedLocally(conversationId);
      continue;
    }
    const lease = (await leases.tryAcquire([conversationId])).get(conversationId);
    if (lease) {
      try {
        return await work(lease);
      } finally {
        await leases.release([lease]);
      }
    }
    // Taken by this process meanwhile: wait for its release at the top of the loop.
    if (!leases.heldLocally(conversationId))
      await new Promise((resolve) => setTimeout(resolve, leaseBackoffMs(attempt)));
  }
}

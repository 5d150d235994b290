import { GraphQLError } from 'graphql';
import type { UserId } from '../domain/ids';

/** One live subscription as its socket asked for it (the texts graphql-ws holds anyway, not copies). */
interface Held {
  readonly query: string;
  readonly operationName: string | null;
  readonly variables: string;
}

/** What the quota keeps per socket: its subscriptions by operation id. */
export type SocketSubscriptions = Map<string, Held>;

/**
 * Subscriptions per user across all their sockets on this instance (MAX_SUBSCRIPTIONS_PER_USER),
 * and no two identical ones on one socket: the same text with the same variables delivers the
 * same events twice, so a client doing it is buggy or greedy (an account once held 1,001
 * identical subscriptions, each event executed and sent for every one). With the sockets per
 * user (WS_MAX_SOCKETS_PER_USER), this bounds what one account can make an instance do.
 */
export class SubscriptionQuota {
  private readonly byUser = new Map<UserId, number>();

  constructor(private readonly perUser: number) {}

  /**
   * Takes a slot for subscription `id` of `userId` on `socket`; the error to answer with when
   * the user is at the limit or the socket already holds the same operation.
   */
  reserve(
    socket: SocketSubscriptions,
    userId: UserId,
    id: string,
    request: { query: string; operationName?: string | null; variables?: Readonly<Record<string, unknown>> | null },
  ): GraphQLError | null {
    const held: Held = {
      query: request.query,
      operationName: request.operationName ?? null,
      variables: JSON.stringify(request.variables ?? {}),
    };
    for (const other of socket.values()) {
      if (
        other.query === held.query &&
        other.operationName === held.operationName &&
        other.variables === held.variables
      )
        return new GraphQLError('This connection already has this subscription: one is enough to receive every event', {
          extensions: { code: 'DUPLICATE_SUBSCRIPTION' },
        });
    }
    const count = this.byUser.get(userId) ?? 0;
    if (count >= this.perUser)
      return new GraphQLError(`At most ${this.perUser} subscriptions at once per user, across all connections`, {
        extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', maxSubscriptions: this.perUser },
      });
    socket.set(id, held);
    this.byUser.set(userId, count + 1);
    return null;
  }

  /** Subscriptions `userId` holds on this instance now. */
  countOf(userId: UserId): number {
    return this.byUser.get(userId) ?? 0;
  }

  /** Frees subscription `id`'s slot (ended, failed, or its socket closed); a no-op when it holds none. */
  release(socket: SocketSubscriptions, userId: UserId, id: string): void {
    if (!socket.delete(id)) return;
    const remaining = (this.byUser.get(userId) ?? 1) - 1;
    if (remaining > 0) this.byUser.set(userId, remaining);
    else this.byUser.delete(userId);
  }

  /** Frees every slot of a socket that closed. */
  releaseAll(socket: SocketSubscriptions, userId: UserId): void {
    for (const id of [...socket.keys()]) this.release(socket, userId, id);
  }
}

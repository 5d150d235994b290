import type { UserId } from '../ids';

export interface PresenceState {
  readonly userId: UserId;
  readonly online: boolean;
  /** When the user's last connection closed; null if never seen or online now. */
  readonly lastSeenAt: Date | null;
}

/**
 * Shared connection counts per user across all WS instances (Redis). Each instance keeps a
 * heartbeat; connections of an instance whose heartbeat lapsed are reaped by the others.
 */
export interface PresenceStore {
  /** One more open connection of `userId` on `instanceId`; true when the user was offline before. */
  connect(userId: UserId, instanceId: string): Promise<boolean>;
  /** One connection closed; true when it was the user's last one anywhere. */
  disconnect(userId: UserId, instanceId: string, at: Date): Promise<boolean>;
  /** Marks the instance alive for `ttlMs`. */
  heartbeat(instanceId: string, ttlMs: number): Promise<void>;
  /** Drops the connections of one instance (dead, or shutting down); returns users now offline. */
  reap(instanceId: string, at: Date): Promise<UserId[]>;
  /** Instances that registered connections but whose heartbeat lapsed. */
  deadInstances(): Promise<string[]>;
  lookup(userIds: readonly UserId[]): Promise<PresenceState[]>;
}

import { EventEmitter } from 'node:events';
import type { UserId } from '../domain/ids';

export type WsStatsSnapshot = ReturnType<WsStats['snapshot']>;

/**
 * Counters behind `GET /stats`; one instance per WS service. Emits `change` after every update, so
 * operators' dashboards and the test suite can wait for a state instead of polling for it.
 */
export class WsStats extends EventEmitter<{ change: [] }> {
  private readonly startedAt = Date.now();
  private readonly socketsByUser = new Map<UserId, number>();
  private connections = 0;
  private subscriptions = 0;
  private readonly byField = new Map<string, number>();
  private delivered = 0;
  private executed = 0;

  socketOpened(): void {
    this.connections += 1;
    this.emit('change');
  }

  socketClosed(): void {
    this.connections -= 1;
    this.emit('change');
  }

  /** A socket finished `connection_init` as `userId`. */
  userJoined(userId: UserId): void {
    this.socketsByUser.set(userId, (this.socketsByUser.get(userId) ?? 0) + 1);
    this.emit('change');
  }

  userLeft(userId: UserId): void {
    const remaining = (this.socketsByUser.get(userId) ?? 1) - 1;
    if (remaining > 0) this.socketsByUser.set(userId, remaining);
    else this.socketsByUser.delete(userId);
    this.emit('change');
  }

  /** Open sockets of one user on this instance. */
  socketsOf(userId: UserId): number {
    return this.socketsByUser.get(userId) ?? 0;
  }

  subscriptionStarted(field: string): void {
    this.subscriptions += 1;
    this.byField.set(field, (this.byField.get(field) ?? 0) + 1);
    this.emit('change');
  }

  subscriptionEnded(field: string): void {
    this.subscriptions -= 1;
    this.byField.set(field, (this.byField.get(field) ?? 1) - 1);
    this.emit('change');
  }

  /** Live subscriptions per root field (`newMessage`, `typing`, ...). */
  subscriptionsByField(): Record<string, number> {
    return Object.fromEntries(this.byField);
  }

  eventDelivered(): void {
    this.delivered += 1;
    this.emit('change');
  }

  /** An event executed for a subscription: once per distinct operation when shared (ws/shared-execution.ts). */
  eventExecuted(): void {
    this.executed += 1;
  }

  snapshot() {
    return {
      connections: this.connections,
      connectedUsers: this.socketsByUser.size,
      activeSubscriptions: this.subscriptions,
      eventsDelivered: this.delivered,
      /** Executions behind those deliveries: fewer when subscribers share one. */
      eventsExecuted: this.executed,
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
    };
  }
}

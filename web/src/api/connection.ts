/**
 * The state of the graphql-ws connection as the user should see it, and a hook point for what to
 * do after a reconnect (resume). React reads it through useSyncExternalStore.
 */
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'unauthorized';

export class ConnectionMonitor {
  private current: ConnectionState = 'connecting';
  private everConnected = false;
  private readonly listeners = new Set<() => void>();
  private readonly reconnectHandlers = new Set<() => void>();

  get state(): ConnectionState {
    return this.current;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): ConnectionState => this.current;

  /** Runs after every connection that follows a lost one, never after the first. */
  onReconnected(handler: () => void): () => void {
    this.reconnectHandlers.add(handler);
    return () => this.reconnectHandlers.delete(handler);
  }

  connected(): void {
    const isReconnect = this.everConnected;
    this.everConnected = true;
    this.set('connected');
    if (isReconnect) for (const handler of this.reconnectHandlers) handler();
  }

  lost(): void {
    if (this.current !== 'unauthorized') this.set(this.everConnected ? 'reconnecting' : 'connecting');
  }

  unauthorized(): void {
    this.set('unauthorized');
  }

  private set(state: ConnectionState): void {
    if (state === this.current) return;
    this.current = state;
    for (const listener of this.listeners) listener();
  }
}

/**
 * Where the events of users holding many subscriptions wait their turn: one at a time, one per
 * turn of the event loop (a `setImmediate` each), so the I/O of everyone else (an event from Redis
 * for another user, a socket write) gets in between. A greedy account's 100 subscriptions once
 * ran 100 executions of a long message back to back on every event, and an unrelated pair's
 * delivery waited behind each burst (bench F). Ordinary clients never enter it.
 */
export class SlowLane {
  private readonly waiting: Array<() => void> = [];
  private scheduled = false;

  /** Resolves when it is this caller's turn. */
  turn(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.waiting.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.waiting.shift()?.();
      this.schedule();
    });
  }
}

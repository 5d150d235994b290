import { QueueOverflowError } from '../errors';
import { derivedFrom } from '../event-origin';
import type { EventOfKind, ChatEvent } from '../events';

export type TypingEvent = Omit<EventOfKind<'TYPING'>, 'kind'>;

/** Typing events buffered for a reader that is not reading. @default 1000 */
const TYPING_BUFFER = 1000;

/**
 * Typing events for one subscriber, with expiry done here, at the receiving end: if the typer's
 * device or API instance dies mid-sentence, the receiver still sees `isTyping: false` after
 * `expiryMs` (TYPING_EXPIRY_MS). Nothing is stored or replayed.
 */
export class TypingStream implements AsyncIterableIterator<TypingEvent> {
  private readonly ready: TypingEvent[] = [];
  private readonly waiting: Array<(result: IteratorResult<TypingEvent>) => void> = [];
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private done = false;
  private overflowed = false;

  constructor(
    private readonly live: AsyncIterableIterator<ChatEvent>,
    private readonly accept: (event: TypingEvent) => boolean,
    private readonly expiryMs: number,
  ) {
    void this.pump();
  }

  async next(): Promise<IteratorResult<TypingEvent>> {
    const value = this.ready.shift();
    if (value) return { value, done: false };
    if (this.overflowed) {
      this.overflowed = false;
      throw new QueueOverflowError(`Typing reader fell more than ${TYPING_BUFFER} events behind`);
    }
    if (this.done) return { value: undefined, done: true };
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  async return(): Promise<IteratorResult<TypingEvent>> {
    this.finish();
    await this.live.return?.();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<TypingEvent> {
    return this;
  }

  private async pump(): Promise<void> {
    try {
      for (;;) {
        const result = await this.live.next();
        if (result.done || this.done) break;
        if (result.value.kind !== 'TYPING') continue;
        const { kind: _kind, ...event } = result.value;
        if (this.accept(event)) this.track(derivedFrom(event, result.value));
      }
    } catch {
      // The live feed failed (overflow, broker loss): end quietly; the client resubscribes.
    }
    this.finish();
  }

  private track(event: TypingEvent): void {
    const key = `${event.conversationId}:${event.userId}`;
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    if (event.isTyping) {
      const timer = setTimeout(() => {
        this.timers.delete(key);
        this.emit({ ...event, isTyping: false });
      }, this.expiryMs);
      timer.unref();
      this.timers.set(key, timer);
    }
    this.emit(event);
  }

  private emit(event: TypingEvent): void {
    if (this.done) return;
    const waiter = this.waiting.shift();
    if (waiter) return waiter({ value: event, done: false });
    if (this.ready.length >= TYPING_BUFFER) {
      this.ready.length = 0;
      this.overflowed = true;
      void this.live.return?.(); // a throwing next() is not followed by return(): release the feed now
      return this.finish();
    }
    this.ready.push(event);
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const waiter of this.waiting.splice(0)) waiter({ value: undefined, done: true });
  }
}

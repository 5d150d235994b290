import { derivedFrom } from './event-origin';
import type { ChatEvent } from './events';

/**
 * Yields `replay` first, then every live event that `select` maps to a value (null skips it).
 *
 * A hand-written iterator rather than an async generator: a generator suspended on the live feed
 * cannot be returned until the next event arrives, which would leak the Redis subscription.
 */
export class FeedStream<T> implements AsyncIterableIterator<T> {
  private replayIndex = 0;

  constructor(
    private readonly replay: readonly T[],
    private readonly live: AsyncIterableIterator<ChatEvent>,
    private readonly select: (event: ChatEvent) => T | null,
  ) {}

  async next(): Promise<IteratorResult<T>> {
    if (this.replayIndex < this.replay.length) {
      const value = this.replay[this.replayIndex] as T;
      this.replayIndex += 1;
      return { value, done: false };
    }
    for (;;) {
      const result = await this.live.next();
      if (result.done) return { value: undefined, done: true };
      const selected = this.select(result.value);
      if (selected !== null) return { value: derivedFrom(selected, result.value), done: false };
    }
  }

  async return(): Promise<IteratorResult<T>> {
    await this.live.return?.();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}

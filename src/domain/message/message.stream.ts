import type { ChatEvent } from '../events';
import { fromMessagePayload } from './message.events';
import type { ChatMessage } from './message.types';

/**
 * Replays stored messages, then continues with live ones, skipping live copies of what was
 * replayed. Dedup is by id, not by "seq <= last replayed": a message whose seq was reserved
 * before the replay query but stored after it would otherwise be dropped.
 *
 * A hand-written iterator rather than an async generator: a generator suspended on the live feed
 * cannot be returned until the next event arrives, which would leak the Redis subscription.
 */
export class ResumeStream implements AsyncIterableIterator<ChatMessage> {
  private readonly replayedIds: ReadonlySet<string>;
  private replayIndex = 0;

  constructor(
    private readonly replay: readonly ChatMessage[],
    private readonly live: AsyncIterableIterator<ChatEvent>,
  ) {
    this.replayedIds = new Set(replay.map((message) => message.id));
  }

  async next(): Promise<IteratorResult<ChatMessage>> {
    const replayed = this.replay[this.replayIndex];
    if (replayed) {
      this.replayIndex += 1;
      return { value: replayed, done: false };
    }
    for (;;) {
      const result = await this.live.next();
      if (result.done) return { value: undefined, done: true };
      const event = result.value;
      if (event.kind !== 'MESSAGE_CREATED' || this.replayedIds.has(event.message.id)) continue;
      return { value: fromMessagePayload(event.message), done: false };
    }
  }

  async return(): Promise<IteratorResult<ChatMessage>> {
    await this.live.return?.();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ChatMessage> {
    return this;
  }
}

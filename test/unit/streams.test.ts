import type { ChatEvent } from '../../src/domain/events';
import type { ConversationId, UserId } from '../../src/domain/ids';
import { toMessagePayload } from '../../src/domain/message/message.events';
import { FeedStream } from '../../src/domain/feed-stream';
import { fromMessagePayload } from '../../src/domain/message/message.events';
import { TypingStream } from '../../src/domain/typing/typing.stream';
import type { ChatMessage } from '../../src/domain/message/message.types';
import { EventQueue, QueueOverflowError } from '../../src/pubsub/event-queue';
import { FRESH_MESSAGE_FIELDS } from '../fakes/in-memory-ports';

function message(seq: number): ChatMessage {
  return {
    ...FRESH_MESSAGE_FIELDS,
    id: `m${seq}`,
    conversationId: 'a_b' as ConversationId,
    seq,
    senderId: 'a' as UserId,
    receiverId: 'b' as UserId,
    message: `#${seq}`,
    messageType: 'text',
    attachmentUrl: null,
    clientMessageId: `c${seq}`,
    systemEvent: null,
    tally: null,
    isRead: false,
    readAt: null,
    deletedAt: null,
    createdAt: new Date(1_700_000_000_000 + seq),
    updatedAt: new Date(1_700_000_000_000 + seq),
  };
}

const created = (seq: number): ChatEvent => ({ kind: 'MESSAGE_CREATED', message: toMessagePayload(message(seq)) });

describe('EventQueue', () => {
  it('hands pushed events to a waiting reader in order', async () => {
    const queue = new EventQueue<number>(10, () => undefined);
    const first = queue.next();
    queue.push(1);
    queue.push(2);
    expect(await first).toEqual({ value: 1, done: false });
    expect(await queue.next()).toEqual({ value: 2, done: false });
  });

  it('ends a reader that fell behind with an overflow error and closes once', async () => {
    const onClose = jest.fn();
    const queue = new EventQueue<number>(2, onClose);
    [1, 2, 3].forEach((value) => queue.push(value));
    await expect(queue.next()).rejects.toBeInstanceOf(QueueOverflowError);
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(await queue.next()).toEqual({ value: undefined, done: true });
  });

  it('releases a pending reader when returned', async () => {
    const onClose = jest.fn();
    const queue = new EventQueue<number>(2, onClose);
    const pending = queue.next();
    await queue.return();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(onClose).toHaveBeenCalledTimes(1);
  });
});

/** The selection newMessage uses: skip live copies of replayed messages, by id. */
function resume(replay: ChatMessage[], live: EventQueue<ChatEvent>): FeedStream<ChatMessage> {
  const replayed = new Set(replay.map((m) => m.id));
  return new FeedStream(replay, live, (event) =>
    event.kind === 'MESSAGE_CREATED' && !replayed.has(event.message.id) ? fromMessagePayload(event.message) : null,
  );
}

describe('FeedStream as a resume', () => {
  it('replays, then goes live, skipping live copies of replayed messages but not late stragglers', async () => {
    const live = new EventQueue<ChatEvent>(10, () => undefined);
    // seq 3 was reserved before the replay query but stored after it, so only live has it.
    const stream = resume([message(2), message(4)], live);
    live.push(created(4));
    live.push(created(3));
    live.push(created(5));
    const seen: number[] = [];
    for (let i = 0; i < 4; i += 1) seen.push(((await stream.next()).value as ChatMessage).seq);
    expect(seen).toEqual([2, 4, 3, 5]);
  });

  it('closes the live feed when returned while waiting', async () => {
    const onClose = jest.fn();
    const stream = resume([], new EventQueue<ChatEvent>(10, onClose));
    const pending = stream.next();
    await stream.return();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(onClose).toHaveBeenCalledTimes(1);
  });
});

describe('TypingStream', () => {
  // Jest's fake clock: expiry is checked at exact instants, whatever the machine's load.
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const typing = (isTyping: boolean, userId = 'a'): ChatEvent => ({
    kind: 'TYPING',
    conversationId: 'a_b' as ConversationId,
    userId: userId as UserId,
    targetUserId: 'b' as UserId,
    isTyping,
  });
  /** Everything the stream delivers, as `user:isTyping`, in order. */
  const delivered = (stream: TypingStream) => {
    const seen: string[] = [];
    void (async () => {
      for await (const event of stream) seen.push(`${event.userId}:${event.isTyping}`);
    })();
    return seen;
  };

  it('ends a typing state exactly when it is not refreshed in time, and only once', async () => {
    const live = new EventQueue<ChatEvent>(10, () => undefined);
    const stream = new TypingStream(live, () => true, 5_000);
    const seen = delivered(stream);
    live.push(typing(true));
    await jest.advanceTimersByTimeAsync(4_999);
    expect(seen).toEqual(['a:true']);
    await jest.advanceTimersByTimeAsync(1);
    expect(seen).toEqual(['a:true', 'a:false']);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(seen).toEqual(['a:true', 'a:false']);
    await stream.return();
  });

  it('keeps a refreshed state alive and cancels expiry on an explicit stop', async () => {
    const live = new EventQueue<ChatEvent>(10, () => undefined);
    const stream = new TypingStream(live, (event) => event.userId === 'a', 5_000);
    const seen = delivered(stream);
    live.push(typing(true, 'other'));
    live.push(typing(true));
    await jest.advanceTimersByTimeAsync(4_000);
    live.push(typing(true)); // a refresh restarts the 5 s
    await jest.advanceTimersByTimeAsync(4_000);
    expect(seen).toEqual(['a:true', 'a:true']);
    live.push(typing(false));
    await jest.advanceTimersByTimeAsync(60_000); // no expiry fires after the explicit stop
    expect(seen).toEqual(['a:true', 'a:true', 'a:false']);
    await stream.return();
  });
});

import type { ConversationRepository } from '../conversation/conversation.types';
import type { ConversationVisibility } from '../conversation/conversation.visibility';
import { ChatError } from '../errors';
import { derivedFrom } from '../event-origin';
import { confirmed, type ChatEvent, type LiveEvents } from '../events';
import type { GroupFeeds } from '../group-feeds';
import { parseConversationRef, type ConversationId, type UserId } from '../ids';
import { MAX_EVENT_PAGE } from '../limits';
import { fromMessagePayload } from '../message/message.events';
import { stubOf } from '../message/message.rules';
import type { MessageRepository, VisibleRange } from '../message/message.repository';
import type { ChatMessage } from '../message/message.types';
import { decodeEventCursor, encodeEventCursor } from './timeline.cursor';
import {
  SYSTEM_EVENT_TYPES,
  type ConversationEvent,
  type MessageChange,
  type MessageChangeRepository,
  type TimelinePosition,
} from './timeline.types';

export interface TimelinePage {
  readonly conversationId: ConversationId;
  /** Oldest first. */
  readonly events: readonly ConversationEvent[];
  /** Where the next page (or a conversationEvents subscription) starts. */
  readonly endCursor: string;
  readonly hasNextPage: boolean;
}

/** A timeline entry with the key that orders it: messages by `seq`, each change just after the message it followed. */
interface Entry {
  readonly order: readonly [number, number, number];
  readonly key: string;
  build(position: TimelinePosition): ConversationEvent;
}

/** A page size for conversationEvents: 1..MAX_EVENT_PAGE, 100 when absent. */
function eventPageSize(value: unknown): number {
  const size = value === undefined || value === null ? 100 : Number(value);
  if (!Number.isInteger(size)) throw ChatError.badInput('first must be an integer', 'first');
  return Math.min(MAX_EVENT_PAGE, Math.max(1, size));
}

function compare(a: Entry, b: Entry): number {
  for (let i = 0; i < 3; i += 1) if (a.order[i] !== b.order[i]) return a.order[i]! - b.order[i]!;
  return 0;
}

function messageEntry(message: ChatMessage): Entry {
  const system = message.systemEvent;
  return {
    order: [message.seq, 0, 0],
    key: `m:${message.conversationId}:${message.seq}`,
    build: (position) => ({
      position,
      conversationId: message.conversationId,
      type: system ? SYSTEM_EVENT_TYPES[system.type] : 'MESSAGE_CREATED',
      actorId: system?.actorId ?? message.senderId,
      occurredAt: message.createdAt,
      messageId: message.id,
      message: stubOf(message),
      emoji: null,
      userIds: system?.userIds ?? [],
    }),
  };
}

function changeEntry(change: Omit<MessageChange, 'patch'>, message: ChatMessage | null): Entry {
  return {
    order: [change.afterSeq, 1, change.seq],
    key: `c:${change.seq}`,
    build: (position) => ({
      position,
      conversationId: change.conversationId,
      type: change.type,
      actorId: change.actorId,
      occurredAt: change.occurredAt,
      messageId: change.messageId,
      message: message && stubOf(message),
      emoji: change.emoji,
      userIds: [],
    }),
  };
}

/** The position after `entry`, walking forward from `from`. */
function advance(from: TimelinePosition, entry: Entry, message: ChatMessage | null): TimelinePosition {
  if (entry.order[1] === 0)
    return { seq: Math.max(from.seq, entry.order[0]), eventSeq: Math.max(from.eventSeq, message?.eventSeq ?? 0) };
  return { seq: Math.max(from.seq, entry.order[0]), eventSeq: Math.max(from.eventSeq, entry.order[2]) };
}

/**
 * A conversation's timeline: its messages (by `seq`) and the changes made to them since (by
 * their own positions, timeline.types.ts), merged in the order they happened, for paging
 * (`conversationEvents` query) and for a subscription that replays from a cursor and then goes
 * live with no gap and no duplicate at the seam.
 *
 * Changes are kept EVENT_RETENTION_DAYS (messages for good). A cursor whose next change is gone
 * answers RESYNC_REQUIRED: the client reloads the conversation and starts from its eventCursor.
 */
export class TimelineService {
  constructor(
    private readonly messages: MessageRepository,
    private readonly changes: MessageChangeRepository,
    private readonly conversations: ConversationRepository,
    private readonly visibility: ConversationVisibility,
    private readonly groupFeeds: GroupFeeds,
    /** @see Config.eventRetentionDays */
    private readonly retentionDays: number,
  ) {}

  /** Where a client that just loaded the conversation starts. */
  static cursorOf(conversationId: ConversationId, lastSeq: number, eventSeq: number): string {
    return encodeEventCursor(conversationId, { seq: lastSeq, eventSeq });
  }

  async page(userId: UserId, conversationIdInput: unknown, after: unknown, first: unknown): Promise<TimelinePage> {
    const count = eventPageSize(first);
    const conversationId = parseConversationRef(conversationIdInput, 'conversationId').id;
    const { range } = await this.visibility.resolve(userId, { conversationId });
    const from =
      after == null ? { seq: range.floorSeq, eventSeq: 0 } : decodeEventCursor(after, conversationId, 'after');
    const { entries, positions, end, hasMore } = await this.read(range, from, after != null, count);
    const events = entries.map((entry, index) => entry.build(positions[index]!));
    return { conversationId, events, endCursor: encodeEventCursor(conversationId, end), hasNextPage: hasMore };
  }

  /**
   * Live events of one conversation (replaying what came after `after` first) or of all the
   * caller's conversations (live only). The broker subscription is confirmed before the replay is
   * read, so nothing falls between them; live copies of replayed events are skipped.
   */
  async stream(
    userId: UserId,
    conversationIdInput: unknown,
    after: unknown,
  ): Promise<AsyncIterableIterator<ConversationEvent>> {
    if (conversationIdInput == null) {
      if (after != null)
        throw ChatError.badInput('after needs conversationId: a cursor belongs to one conversation', 'after');
      const live = this.groupFeeds.open(userId, ['MESSAGE_CREATED', 'MESSAGE_CHANGED'], null, { ownChanges: true });
      await confirmed(live);
      return new TimelineStream(
        this,
        live,
        null,
        async (id) => (await this.visibility.range(userId, { conversationId: id })).floorSeq,
      );
    }
    const conversationId = parseConversationRef(conversationIdInput, 'conversationId').id;
    const { range } = await this.visibility.resolve(userId, { conversationId });
    const from = after == null ? null : decodeEventCursor(after, conversationId, 'after');
    const live = this.groupFeeds.open(userId, ['MESSAGE_CREATED', 'MESSAGE_CHANGED'], conversationId);
    await confirmed(live);
    try {
      const replay = from ? new Replay(this, range, from) : null;
      if (replay) await replay.start();
      return new TimelineStream(this, live, replay, async () => range.floorSeq);
    } catch (error) {
      await live.events.return?.();
      throw error;
    }
  }

  /**
   * Up to `count` events after `from` in one conversation, each with its position, the position
   * after everything read (invisible changes included), and whether more follow.
   */
  async eventsAfter(
    range: VisibleRange,
    from: TimelinePosition,
    count: number,
    checkRetention: boolean,
  ): Promise<{ events: ConversationEvent[]; end: TimelinePosition; hasMore: boolean }> {
    const { entries, positions, end, hasMore } = await this.read(range, from, checkRetention, count);
    return { events: entries.map((entry, index) => entry.build(positions[index]!)), end, hasMore };
  }

  /** Deletes changes older than the retention window; run periodically by the API service. */
  prune(now = new Date()): Promise<number> {
    return this.changes.pruneBefore(new Date(now.getTime() - this.retentionDays * 24 * 60 * 60 * 1000));
  }

  /**
   * Up to `count` entries after `from`, in order, with the position after each. `checkRetention`:
   * the first change after `from` must still be kept (else RESYNC_REQUIRED).
   */
  async read(
    range: VisibleRange,
    from: TimelinePosition,
    checkRetention: boolean,
    count: number,
  ): Promise<{ entries: Entry[]; positions: TimelinePosition[]; end: TimelinePosition; hasMore: boolean }> {
    const { conversationId } = range;
    const [messages, changes] = await Promise.all([
      this.messages.oldestFirstAfter(range, from.seq, count + 1),
      this.changes.after(conversationId, from.eventSeq, count + 1),
    ]);
    if (checkRetention) await this.refuseIfPruned(conversationId, from, changes);
    const targets = new Map<string, ChatMessage>(messages.map((message) => [message.id, message]));
    const missing = [...new Set(changes.map((change) => change.messageId))].filter((id) => !targets.has(id));
    for (const message of await this.messages.findInConversation(conversationId, missing))
      targets.set(message.id, message);

    // The first `count` of each source hold the first `count` of both merged. A change to a
    // message the member cannot see (from before they joined) moves the position but is not shown.
    const merged = [
      ...messages.slice(0, count).map((message) => ({ entry: messageEntry(message), message, shown: true })),
      ...changes.slice(0, count).map((change) => ({
        entry: changeEntry(change, targets.get(change.messageId) ?? null),
        message: null,
        shown: change.messageSeq > range.floorSeq,
      })),
    ].sort((a, b) => compare(a.entry, b.entry));
    const taken = merged.slice(0, count);
    const entries: Entry[] = [];
    const positions: TimelinePosition[] = [];
    let position = from;
    for (const { entry, message, shown } of taken) {
      position = advance(position, entry, message);
      if (!shown) continue;
      entries.push(entry);
      positions.push(position);
    }
    const hasMore = merged.length > count || messages.length > count || changes.length > count;
    return { entries, positions, end: position, hasMore };
  }

  /** Builds the event a live broker message stands for (null: not a timeline event, or not visible at `floorSeq`). */
  fromLive(event: ChatEvent, floorSeq: number): { key: string; event: ConversationEvent } | null {
    if (event.kind === 'MESSAGE_CREATED') {
      const message = fromMessagePayload(event.message);
      if (message.seq <= floorSeq) return null;
      const entry = messageEntry(message);
      return { key: entry.key, event: entry.build({ seq: message.seq, eventSeq: message.eventSeq }) };
    }
    if (event.kind === 'MESSAGE_CHANGED') {
      const { change } = event;
      if (change.messageSeq <= floorSeq) return null;
      const entry = changeEntry(
        { ...change, conversationId: event.conversationId, occurredAt: new Date(change.occurredAt) },
        fromMessagePayload(event.message),
      );
      return { key: entry.key, event: entry.build({ seq: change.afterSeq, eventSeq: change.seq }) };
    }
    if (event.kind === 'CONVERSATION_UPDATED') {
      // The user's own membership change (only a feed of all their conversations carries it):
      // the SYSTEM message that records it, which that feed may not receive as a message.
      return {
        key: `m:${event.conversationId}:${event.seq}`,
        event: {
          position: { seq: event.seq, eventSeq: 0 },
          conversationId: event.conversationId,
          type: SYSTEM_EVENT_TYPES[event.type],
          actorId: event.actorId,
          occurredAt: new Date(event.occurredAt),
          messageId: event.messageId ?? '',
          message: null,
          emoji: null,
          userIds: event.userIds,
        },
      };
    }
    return null;
  }

  private async refuseIfPruned(
    conversationId: ConversationId,
    from: TimelinePosition,
    changes: readonly MessageChange[],
  ): Promise<void> {
    // Positions are handed out one by one, so the next change kept must be the very next one.
    const next = changes[0];
    if (next && next.seq === from.eventSeq + 1) return;
    if (!next) {
      const conversation = await this.conversations.findById(conversationId);
      if ((conversation?.eventSeq ?? 0) <= from.eventSeq) return;
    }
    throw new ChatError(
      'RESYNC_REQUIRED',
      `This cursor is older than the ${this.retentionDays} days of events kept: reload the conversation and start from its eventCursor`,
      { field: 'after', retentionDays: this.retentionDays },
    );
  }
}

/** Live message keys a stream remembers to drop a membership change's second copy. @default 64 */
const RECENT_LIVE_KEYS = 64;
/** Entries a subscription's replay reads at a time. @default 500 */
const REPLAY_PAGE = 500;

/** A replay read page by page (a client far behind does not hold thousands of events in memory at once). */
class Replay {
  readonly keys = new Set<string>();
  private buffered: ConversationEvent[] = [];
  private more = true;

  constructor(
    private readonly timeline: TimelineService,
    private readonly range: VisibleRange,
    private position: TimelinePosition,
  ) {}

  /** Reads the first page (so a stale cursor fails the subscription at once, with RESYNC_REQUIRED). */
  async start(): Promise<void> {
    await this.fill(true);
  }

  async next(): Promise<ConversationEvent | null> {
    while (this.buffered.length === 0 && this.more) await this.fill(false);
    return this.buffered.shift() ?? null;
  }

  private async fill(first: boolean): Promise<void> {
    const { entries, positions, end, hasMore } = await this.timeline.read(
      this.range,
      this.position,
      first,
      REPLAY_PAGE,
    );
    this.buffered = entries.map((entry, index) => {
      this.keys.add(entry.key);
      return entry.build(positions[index]!);
    });
    this.position = end;
    this.more = hasMore;
  }
}

/**
 * Replay first, then live events mapped to timeline events, skipping what the replay gave. A
 * hand-written iterator (not a generator) so `return()` ends the broker subscription at once.
 */
class TimelineStream implements AsyncIterableIterator<ConversationEvent> {
  private readonly floors = new Map<ConversationId, Promise<number>>();
  private readonly recent: string[] = [];

  constructor(
    private readonly timeline: TimelineService,
    private readonly live: LiveEvents,
    private readonly replay: Replay | null,
    private readonly floorOf: (conversationId: ConversationId) => Promise<number>,
  ) {}

  async next(): Promise<IteratorResult<ConversationEvent>> {
    const replayed = await this.replay?.next();
    if (replayed) return { value: replayed, done: false };
    for (;;) {
      const result = await this.live.events.next();
      if (result.done) return { value: undefined, done: true };
      const conversationId = conversationOf(result.value);
      if (conversationId === null) continue;
      let floor = this.floors.get(conversationId);
      if (!floor) {
        floor = this.floorOf(conversationId).catch(() => Number.MAX_SAFE_INTEGER);
        this.floors.set(conversationId, floor);
      }
      const built = this.timeline.fromLive(result.value, await floor);
      if (!built || this.replay?.keys.has(built.key) || this.seenLive(built.key)) continue;
      return { value: derivedFrom(built.event, result.value), done: false };
    }
  }

  async return(): Promise<IteratorResult<ConversationEvent>> {
    await this.live.events.return?.();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ConversationEvent> {
    return this;
  }

  /** True for the second copy of a membership change (as a SYSTEM message and as conversationUpdated). */
  private seenLive(key: string): boolean {
    if (!key.startsWith('m:')) return false;
    if (this.recent.includes(key)) return true;
    this.recent.push(key);
    if (this.recent.length > RECENT_LIVE_KEYS) this.recent.shift();
    return false;
  }
}

function conversationOf(event: ChatEvent): ConversationId | null {
  if (event.kind === 'MESSAGE_CREATED') return event.message.conversationId;
  if (event.kind === 'MESSAGE_CHANGED' || event.kind === 'CONVERSATION_UPDATED') return event.conversationId;
  return null;
}

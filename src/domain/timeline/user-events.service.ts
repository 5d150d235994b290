import type { ConversationVisibility } from '../conversation/conversation.visibility';
import { ChatError, QueueOverflowError } from '../errors';
import { derivedFrom } from '../event-origin';
import { confirmed, type ChatEvent, type LiveEvents } from '../events';
import type { GroupFeeds } from '../group-feeds';
import type { ConversationId, UserId } from '../ids';
import { MAX_EVENT_PAGE } from '../limits';
import type { RateLimiter } from '../rate-limit';
import type { VisibleRange } from '../message/message.repository';
import { decodeUserCursor } from './user-cursor';
import {
  JOURNAL_KEY,
  type EventCheckpointRepository,
  type LiveOnlyUserEvent,
  type UserEvent,
  type UserEventPage,
} from './user-events.types';
import type { JournalEntry, UserJournalRepository } from './user-journal';
import { UserPositions } from './user-positions';
import type { TimelineService } from './timeline.service';
import type { ConversationEvent, TimelinePosition } from './timeline.types';

/** Conversations read side by side while collecting a page. @default 8 */
const PARALLEL_READS = 8;
/** Events a subscription's replay reads at a time. @default 500 */
const REPLAY_PAGE = 500;
/** Events a subscriber may leave unread before its stream fails (it resumes from its cursor). @default 1000 */
const MAX_UNREAD = 1000;

type Visible = VisibleRange & { readonly eventSeq: number };

function pageSize(value: unknown): number {
  const size = value === undefined || value === null ? 100 : Number(value);
  if (!Number.isInteger(size)) throw ChatError.badInput('first must be an integer', 'first');
  return Math.min(MAX_EVENT_PAGE, Math.max(1, size));
}

/** An event a page may take: from a conversation's timeline, or from the user's journal. */
type Candidate =
  { readonly at: Date; readonly event: ConversationEvent } | { readonly at: Date; readonly entry: JournalEntry };

const sourceOf = (candidate: Candidate) => ('event' in candidate ? candidate.event.conversationId : JOURNAL_KEY);

/**
 * Oldest first across conversations and the journal; within one, in its own order (a stable sort
 * keeps it: each source's events come in order, and ties between sources go by source).
 */
function byTime(a: Candidate, b: Candidate): number {
  const x = sourceOf(a);
  const y = sourceOf(b);
  if (x === y) return 0;
  return a.at.getTime() - b.at.getTime() || (x < y ? -1 : 1);
}

/**
 * `userEvents`: everything a user should know, across all their conversations, with one cursor
 * (DESIGN.md, "One stream per user"; Matrix's `/sync` and Zulip's event queue are the models).
 *
 * The stream is not stored per user: a group message would cost a write per member. It is each
 * conversation's own timeline (messages by `seq`, changes by theirs, timeline.service.ts), merged,
 * and a cursor is a vector of positions, one per conversation (user-positions.ts). Positions are
 * dense, so a live event that skips one (Redis pub/sub is at-most-once) is a gap the stream fills
 * from MongoDB before going on, instead of a message the client never sees. Typing and presence
 * ride along live only.
 */
export class UserEventsService {
  constructor(
    private readonly timeline: TimelineService,
    private readonly visibility: ConversationVisibility,
    private readonly checkpoints: EventCheckpointRepository,
    private readonly journals: UserJournalRepository,
    private readonly groupFeeds: GroupFeeds,
    private readonly rateLimiter: RateLimiter,
    private readonly typingExpiryMs: number,
  ) {}

  /** Where a client that just loaded starts: every conversation as it is now. */
  async startCursor(userId: UserId): Promise<string> {
    await this.rateLimiter.consume(userId, 'resume');
    return (await this.startHere(userId)).cursor();
  }

  /**
   * Up to `first` events after `after`, oldest first within each conversation (and by time across
   * them). Without `after`: none, and the cursor of now.
   */
  async page(userId: UserId, after: unknown, first: unknown): Promise<UserEventPage> {
    const count = pageSize(first);
    if (after == null) return { events: [], endCursor: await this.startCursor(userId), hasMore: false };
    await this.rateLimiter.consume(userId, 'resume');
    const positions = await UserPositions.resume(this.checkpoints, userId, decodeUserCursor(after, 'after'));
    return this.collect(
      userId,
      positions,
      { conversations: await this.visibility.allRanges(userId), journal: true },
      count,
      true,
    );
  }

  /**
   * Replays what came after `after` (nothing without it), then goes live, with no gap and no
   * duplicate at the seam: the broker subscription is confirmed before anything is read, and a
   * live event at or below the reader's position is one it has already had.
   */
  async stream(userId: UserId, after: unknown): Promise<AsyncIterableIterator<UserEvent>> {
    const cursor = after == null ? null : decodeUserCursor(after, 'after');
    await this.rateLimiter.consume(userId, 'resume');
    const live = this.groupFeeds.open(userId, ['MESSAGE_CREATED', 'MESSAGE_CHANGED', 'TYPING', 'MESSAGES_READ'], null, {
      ownChanges: true,
      userStream: true,
    });
    await confirmed(live);
    try {
      const positions = cursor
        ? await UserPositions.resume(this.checkpoints, userId, cursor)
        : await this.startHere(userId);
      return new UserEventStream(this, userId, live, positions, cursor !== null, this.typingExpiryMs);
    } catch (error) {
      await live.events.return?.();
      throw error;
    }
  }

  /**
   * The next events after `positions` in every conversation that moved (and, with `journal`, in
   * the user's journal), at most `count`, and the positions advanced past them (one cursor per
   * event). `checkRetention`: a cursor whose next change was pruned answers RESYNC_REQUIRED.
   */
  async collect(
    userId: UserId,
    positions: UserPositions,
    sources: { readonly conversations: readonly Visible[]; readonly journal: boolean },
    count: number,
    checkRetention: boolean,
  ): Promise<UserEventPage> {
    const moved = sources.conversations.flatMap((range) => {
      const known = positions.positionOf(range.conversationId);
      const from = { seq: Math.max(known?.seq ?? 0, range.floorSeq), eventSeq: known?.eventSeq ?? 0 };
      return from.seq < range.topSeq || from.eventSeq < range.eventSeq ? [{ range, from, known: known !== null }] : [];
    });
    const reads: Array<{ range: Visible; events: ConversationEvent[]; end: TimelinePosition; hasMore: boolean }> = [];
    for (let start = 0; start < moved.length; start += PARALLEL_READS) {
      reads.push(
        ...(await Promise.all(
          moved.slice(start, start + PARALLEL_READS).map(async ({ range, from, known }) => ({
            range,
            // A conversation new to the cursor is read from what the user can see of it.
            ...(await this.timeline.eventsAfter(range, from, count, checkRetention && known)),
          })),
        )),
      );
    }
    const journalFrom = positions.positionOf(JOURNAL_KEY)?.seq ?? 0;
    const journal = sources.journal ? await this.journals.after(userId, journalFrom, count + 1) : [];
    // Journal positions are dense from the oldest kept: a first one past the next was pruned.
    if (checkRetention && journal.length > 0 && journal[0]!.seq !== journalFrom + 1) {
      throw new ChatError(
        'RESYNC_REQUIRED',
        'This cursor is older than the read receipts kept: reload and start from me.eventCursor',
        { field: 'after' },
      );
    }
    const candidates: Candidate[] = [
      ...reads.flatMap((read) => read.events.map((event): Candidate => ({ at: event.occurredAt, event }))),
      ...journal.slice(0, count).map((entry): Candidate => ({ at: entry.occurredAt, entry })),
    ];
    const taken = candidates.sort(byTime).slice(0, count);
    const events: UserEvent[] = [];
    for (const item of taken) {
      if ('entry' in item) {
        await positions.advance(JOURNAL_KEY, { seq: item.entry.seq, eventSeq: 0 });
        events.push({ kind: 'journal', cursor: positions.cursor(), entry: item.entry });
      } else {
        await positions.advance(item.event.conversationId, item.event.position);
        events.push({ kind: 'timeline', cursor: positions.cursor(), event: item.event });
      }
    }
    const shown = new Set(taken.flatMap((item) => ('event' in item ? [item.event] : [])));
    let hasMore =
      journal.length > 0 &&
      (journal.length > count || !taken.some((item) => 'entry' in item && item.entry === journal.at(-1)));
    for (const read of reads) {
      const last = read.events.at(-1);
      const all = last === undefined || shown.has(last);
      // Everything read was taken: the position moves past what the user cannot see, too.
      if (all && !read.hasMore) await positions.advance(read.range.conversationId, read.end);
      else hasMore = true;
    }
    return { events, endCursor: positions.cursor(), hasMore };
  }

  /** What the user sees of each of their conversations, and how far each goes. */
  rangesOf(userId: UserId): Promise<Visible[]> {
    return this.visibility.allRanges(userId);
  }

  /** The ranges the user sees in one conversation, read now (for a live event that skipped positions). */
  async rangeOf(userId: UserId, conversationId: ConversationId): Promise<Visible> {
    const range = await this.visibility.range(userId, { conversationId });
    return { ...range, eventSeq: Number.MAX_SAFE_INTEGER };
  }

  fromLive(event: ChatEvent, floorSeq: number): ConversationEvent | null {
    return this.timeline.fromLive(event, floorSeq)?.event ?? null;
  }

  private async startHere(userId: UserId): Promise<UserPositions> {
    const [conversations, journalSeq] = await Promise.all([
      this.visibility.allRanges(userId),
      this.journals.lastSeq(userId),
    ]);
    const vector = new Map(
      conversations.map((range) => [range.conversationId, { seq: range.topSeq, eventSeq: range.eventSeq }] as const),
    );
    vector.set(JOURNAL_KEY, { seq: journalSeq, eventSeq: 0 });
    return UserPositions.start(this.checkpoints, userId, vector);
  }
}

/** Where a live timeline event sits: a message position (`seq`) or a change position (`eventSeq`). */
function livePosition(event: ChatEvent): { conversationId: ConversationId; seq?: number; eventSeq?: number } | null {
  if (event.kind === 'MESSAGE_CREATED') return { conversationId: event.message.conversationId, seq: event.message.seq };
  if (event.kind === 'MESSAGE_CHANGED') return { conversationId: event.conversationId, eventSeq: event.change.seq };
  if (event.kind === 'CONVERSATION_UPDATED') return { conversationId: event.conversationId, seq: event.seq };
  return null;
}

/**
 * One subscriber's user stream: the replay, then live events in order, with typing expiry done
 * here at the receiving end (TYPING_EXPIRY_MS, as the typing subscription does). A pump reads
 * ahead of the subscriber by at most MAX_UNREAD events; a hand-written iterator, so `return()`
 * ends the broker subscription at once.
 */
class UserEventStream implements AsyncIterableIterator<UserEvent> {
  private readonly ready: UserEvent[] = [];
  private readonly waiting: Array<{
    resolve: (result: IteratorResult<UserEvent>) => void;
    reject: (error: unknown) => void;
  }> = [];
  private readonly floors = new Map<ConversationId, Promise<number>>();
  private readonly typingTimers = new Map<string, NodeJS.Timeout>();
  private failure: unknown = null;
  private done = false;
  private space: (() => void) | null = null;

  constructor(
    private readonly service: UserEventsService,
    private readonly userId: UserId,
    private readonly live: LiveEvents,
    private readonly positions: UserPositions,
    private readonly replayFirst: boolean,
    private readonly typingExpiryMs: number,
  ) {
    void this.pump();
  }

  async next(): Promise<IteratorResult<UserEvent>> {
    const value = this.ready.shift();
    if (value) {
      this.space?.();
      return { value, done: false };
    }
    if (this.failure) {
      const failure = this.failure;
      this.failure = null;
      throw failure;
    }
    if (this.done) return { value: undefined, done: true };
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  async return(): Promise<IteratorResult<UserEvent>> {
    this.finish();
    await this.live.events.return?.();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<UserEvent> {
    return this;
  }

  private async pump(): Promise<void> {
    try {
      if (this.replayFirst) await this.catchUp(null);
      for (;;) {
        const result = await this.live.events.next();
        if (result.done || this.done) break;
        await this.onLive(result.value);
      }
    } catch (error) {
      this.failure = error;
      // graphql-ws does not call return() on a stream whose next() threw: end the feed here.
      void this.live.events.return?.();
    }
    this.finish();
  }

  /**
   * Reads every conversation and the journal (or one conversation, or the journal alone) from the
   * reader's positions up to now, in pages.
   */
  private async catchUp(only: ConversationId | null): Promise<void> {
    const sources =
      only === JOURNAL_KEY
        ? { conversations: [], journal: true }
        : only
          ? { conversations: [await this.service.rangeOf(this.userId, only)], journal: false }
          : { conversations: await this.service.rangesOf(this.userId), journal: true };
    for (let more = true; more && !this.done;) {
      const page = await this.service.collect(this.userId, this.positions, sources, REPLAY_PAGE, only === null);
      for (const event of page.events) await this.emit(event);
      more = page.hasMore;
    }
  }

  private async onLive(event: ChatEvent): Promise<void> {
    if (event.kind === 'USER_STATUS') {
      if (event.userId === this.userId) return;
      return this.emitLive(
        { type: 'PRESENCE', actorId: event.userId, status: event.type, occurredAt: new Date(event.timestamp) },
        event,
      );
    }
    if (event.kind === 'TYPING') {
      if (event.userId === this.userId) return;
      return this.typing(event);
    }
    if (event.kind === 'USER_JOURNAL') return this.journalEntry(event);
    if (event.kind === 'MESSAGES_READ') {
      // Live only, and only another member's read in a group: the rest are in journals.
      if (event.senderId !== null || event.readerId === this.userId) return;
      const read: LiveOnlyUserEvent = {
        type: 'MESSAGES_READ',
        conversationId: event.conversationId,
        actorId: event.readerId,
        readSeq: event.readSeq,
        occurredAt: new Date(event.readAt),
      };
      return this.emitLive(read, event);
    }
    const at = livePosition(event);
    if (!at) return;
    const known = this.positions.positionOf(at.conversationId);
    const floor = await this.floorOf(at.conversationId);
    const current = { seq: Math.max(known?.seq ?? 0, floor), eventSeq: known?.eventSeq ?? 0 };
    const seen = at.seq !== undefined ? at.seq <= current.seq : at.eventSeq! <= current.eventSeq;
    if (seen) return;
    const next = at.seq !== undefined ? at.seq === current.seq + 1 : at.eventSeq === current.eventSeq + 1;
    // A conversation new to this reader has no known change position: its changes are read once.
    if (!next || (known === null && at.eventSeq !== undefined)) return this.catchUp(at.conversationId);
    const built = this.service.fromLive(event, floor);
    await this.positions.advance(at.conversationId, {
      seq: at.seq ?? current.seq,
      eventSeq: at.eventSeq ?? current.eventSeq,
    });
    if (built) {
      const value: UserEvent = { kind: 'timeline', cursor: this.positions.cursor(), event: built };
      await this.emit(derivedFrom(value, event, { ownCursor: true }));
    }
  }

  /** An entry of the user's journal: the next position is delivered, a later one first reads what was missed. */
  private async journalEntry(event: Extract<ChatEvent, { kind: 'USER_JOURNAL' }>): Promise<void> {
    if (event.userId !== this.userId) return;
    const at = this.positions.positionOf(JOURNAL_KEY)?.seq ?? 0;
    if (event.entry.seq <= at) return;
    if (event.entry.seq !== at + 1) return this.catchUp(JOURNAL_KEY);
    const entry: JournalEntry = { ...event.entry, occurredAt: new Date(event.entry.occurredAt) };
    await this.positions.advance(JOURNAL_KEY, { seq: entry.seq, eventSeq: 0 });
    const value: UserEvent = { kind: 'journal', cursor: this.positions.cursor(), entry };
    await this.emit(derivedFrom(value, event, { ownCursor: true }));
  }

  private typing(event: Extract<ChatEvent, { kind: 'TYPING' }>): Promise<void> {
    const key = `${event.conversationId}:${event.userId}`;
    clearTimeout(this.typingTimers.get(key));
    this.typingTimers.delete(key);
    const typing: LiveOnlyUserEvent = {
      type: 'TYPING',
      conversationId: event.conversationId,
      actorId: event.userId,
      isTyping: event.isTyping,
    };
    if (event.isTyping) {
      const timer = setTimeout(() => {
        this.typingTimers.delete(key);
        void this.emitLive({ ...typing, isTyping: false }, null);
      }, this.typingExpiryMs);
      timer.unref();
      this.typingTimers.set(key, timer);
    }
    return this.emitLive(typing, event);
  }

  private emitLive(event: LiveOnlyUserEvent, origin: ChatEvent | null): Promise<void> {
    const value: UserEvent = { kind: 'live', cursor: this.positions.cursor(), event };
    return this.emit(origin ? derivedFrom(value, origin, { ownCursor: true }) : value);
  }

  private floorOf(conversationId: ConversationId): Promise<number> {
    let floor = this.floors.get(conversationId);
    if (!floor) {
      floor = this.service
        .rangeOf(this.userId, conversationId)
        .then((range) => range.floorSeq)
        .catch(() => Number.MAX_SAFE_INTEGER);
      this.floors.set(conversationId, floor);
    }
    return floor;
  }

  /** Hands `event` to the subscriber; waits while it has MAX_UNREAD unread (fails past twice that). */
  private async emit(event: UserEvent): Promise<void> {
    if (this.done) return;
    const waiter = this.waiting.shift();
    if (waiter) return waiter.resolve({ value: event, done: false });
    if (this.ready.length >= 2 * MAX_UNREAD)
      throw new QueueOverflowError(`Subscriber fell more than ${MAX_UNREAD} events behind`);
    this.ready.push(event);
    if (this.ready.length >= MAX_UNREAD) await new Promise<void>((resolve) => (this.space = resolve));
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.space?.();
    for (const timer of this.typingTimers.values()) clearTimeout(timer);
    this.typingTimers.clear();
    const failure = this.failure;
    for (const waiter of this.waiting.splice(0)) {
      if (failure) {
        this.failure = null;
        waiter.reject(failure);
      } else waiter.resolve({ value: undefined, done: true });
    }
  }
}

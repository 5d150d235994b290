import type { ConversationRepository } from './conversation/conversation.types';
import type { ChatEvent, ConversationFeedKind, DynamicLiveEvents, EventSubscriber, Feed, LiveEvents } from './events';
import { isGroupConversationId, type ConversationId, type UserId } from './ids';

/** Group rosters a process remembers for delivery checks (least recently loaded forgotten first). @default 1000 */
const MAX_CACHED_ROSTERS = 1_000;
/** conversationUpdated events remembered per feed to drop the second copy (user and group topic). @default 64 */
const SEEN_UPDATES = 64;

interface Roster {
  readonly memberVersion: number;
  readonly members: ReadonlySet<UserId>;
}

const JOINS = new Set(['CREATED', 'MEMBERS_ADDED']);
const LEAVES = new Set(['MEMBER_REMOVED', 'MEMBER_LEFT']);

function groupOf(event: ChatEvent): { conversationId: ConversationId; memberVersion: number } | null {
  if (event.kind === 'USER_STATUS') return null;
  const conversationId = event.kind === 'MESSAGE_CREATED' ? event.message.conversationId : event.conversationId;
  if (!isGroupConversationId(conversationId)) return null;
  const memberVersion =
    event.kind === 'MESSAGE_CREATED'
      ? event.message.memberVersion
      : 'memberVersion' in event
        ? event.memberVersion
        : undefined;
  return { conversationId, memberVersion: memberVersion ?? Number.MAX_SAFE_INTEGER };
}

/**
 * Live feeds that follow the groups a user is in. A group's events travel on its own topics only
 * (pubsub/topics.ts), so a feed subscribes to the topics of the user's groups, adds a group when
 * a conversationUpdated says the user joined, and drops it when they leave or are removed.
 *
 * Access follows membership at once, on every instance: each group event carries the roster
 * version it was made under, and a feed delivers it only after checking the user is a member of
 * a roster at least that new (read once per version per process, then remembered). An event made
 * after a removal therefore never reaches the removed user, whichever instance holds them and
 * whatever order Redis delivers the removal and the event in.
 */
export class GroupFeeds {
  private readonly rosters = new Map<ConversationId, Roster>();
  private readonly loading = new Map<ConversationId, Promise<Roster | null>>();

  constructor(
    private readonly subscriber: EventSubscriber,
    private readonly conversations: ConversationRepository,
  ) {}

  /**
   * `kind` events for `userId`: of all their conversations (`conversationId` null), or of one.
   * A feed of one group ends when the user leaves it or is removed.
   */
  open(userId: UserId, kind: ConversationFeedKind, conversationId: ConversationId | null): LiveEvents {
    const control: Feed = { scope: 'user', userId, kind: 'CONVERSATION_UPDATED' };
    if (conversationId !== null && !isGroupConversationId(conversationId)) {
      return this.subscriber.open({ scope: 'conversation', conversationId, kind });
    }
    const own: Feed[] = conversationId === null ? [{ scope: 'user', userId, kind }] : [];
    const groupFeed = (id: ConversationId): Feed => ({ scope: 'conversation', conversationId: id, kind });
    const live = this.subscriber.openMany([...own, control, ...(conversationId ? [groupFeed(conversationId)] : [])]);
    // The user's groups are listed only once the control feed is confirmed: a group they join
    // after the listing is then announced on it, one they joined before is in the listing.
    const ready =
      conversationId !== null
        ? live.ready
        : live.ready.then(async () => {
            const groups = (await this.conversations.listAllFor(userId)).filter((c) => c.kind === 'GROUP');
            await live.add(groups.map((group) => groupFeed(group.id)));
          });
    return { events: new GuardedEvents(this, live, userId, kind, conversationId), ready };
  }

  /** True when `userId` is in the group as of `memberVersion` or later (false when it cannot be read). */
  async isMember(conversationId: ConversationId, userId: UserId, memberVersion: number): Promise<boolean> {
    let roster = this.rosters.get(conversationId);
    if (!roster || roster.memberVersion < memberVersion) roster = (await this.load(conversationId)) ?? undefined;
    return roster?.members.has(userId) ?? false;
  }

  private load(conversationId: ConversationId): Promise<Roster | null> {
    const pending = this.loading.get(conversationId);
    if (pending) return pending;
    const loaded = this.conversations
      .findById(conversationId)
      .then((conversation) => {
        if (!conversation?.group) return null;
        const roster = { memberVersion: conversation.group.memberVersion, members: new Set(conversation.participants) };
        this.rosters.delete(conversationId);
        this.rosters.set(conversationId, roster);
        if (this.rosters.size > MAX_CACHED_ROSTERS) this.rosters.delete(this.rosters.keys().next().value!);
        return roster;
      })
      // Unreadable now: nothing is delivered on a roster that cannot be checked (clients resume).
      .catch(() => null)
      .finally(() => this.loading.delete(conversationId));
    this.loading.set(conversationId, loaded);
    return loaded;
  }
}

/** The events of one feed, past the membership checks; adds and drops group topics as the user joins and leaves. */
class GuardedEvents implements AsyncIterableIterator<ChatEvent> {
  private readonly seenUpdates: string[] = [];

  constructor(
    private readonly feeds: GroupFeeds,
    private readonly live: DynamicLiveEvents,
    private readonly userId: UserId,
    private readonly kind: ConversationFeedKind,
    /** The one group this feed is about; null for all of the user's conversations. */
    private readonly only: ConversationId | null,
  ) {}

  async next(): Promise<IteratorResult<ChatEvent>> {
    for (;;) {
      const result = await this.live.events.next();
      if (result.done) return result;
      const verdict = await this.judge(result.value);
      if (verdict === 'deliver') return result;
      if (verdict === 'end') return this.return();
    }
  }

  async return(): Promise<IteratorResult<ChatEvent>> {
    await this.live.events.return?.();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ChatEvent> {
    return this;
  }

  private async judge(event: ChatEvent): Promise<'deliver' | 'skip' | 'end'> {
    const group = groupOf(event);
    if (!group) return event.kind === this.kind ? 'deliver' : 'skip';
    const { conversationId, memberVersion } = group;
    if (this.only !== null && conversationId !== this.only) return 'skip';
    if (event.kind === 'CONVERSATION_UPDATED' && event.userIds.includes(this.userId)) {
      if (this.seen(`${conversationId}:${event.seq}`)) return 'skip';
      if (JOINS.has(event.type) && this.only === null) await this.follow(conversationId);
      const left = LEAVES.has(event.type);
      if (left) this.unfollow(conversationId);
      if (this.kind === 'CONVERSATION_UPDATED') return 'deliver';
      return left && this.only !== null ? 'end' : 'skip';
    }
    if (event.kind !== this.kind) return 'skip';
    if (event.kind === 'CONVERSATION_UPDATED' && this.seen(`${conversationId}:${event.seq}`)) return 'skip';
    if (await this.feeds.isMember(conversationId, this.userId, memberVersion)) return 'deliver';
    this.unfollow(conversationId);
    return this.only !== null ? 'end' : 'skip';
  }

  private follow(conversationId: ConversationId): Promise<void> {
    return this.live.add([{ scope: 'conversation', conversationId, kind: this.kind }]).catch(() => undefined);
  }

  private unfollow(conversationId: ConversationId): void {
    this.live.remove([{ scope: 'conversation', conversationId, kind: this.kind }]);
  }

  /** True for the second copy of a conversationUpdated (it comes on the user's topic and the group's). */
  private seen(key: string): boolean {
    if (this.seenUpdates.includes(key)) return true;
    this.seenUpdates.push(key);
    if (this.seenUpdates.length > SEEN_UPDATES) this.seenUpdates.shift();
    return false;
  }
}

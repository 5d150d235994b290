import type { ConversationRepository } from './conversation/conversation.types';
import type {
  ChatEvent,
  ChatEventKind,
  ConversationFeedKind,
  DynamicLiveEvents,
  EventOfKind,
  EventSubscriber,
  Feed,
  LiveEvents,
} from './events';
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
const CONVERSATION_FEED_KINDS: ReadonlySet<string> = new Set<ConversationFeedKind>([
  'MESSAGE_CREATED',
  'MESSAGE_CHANGED',
  'MESSAGES_READ',
  'MESSAGE_DELETED',
  'TYPING',
  'CONVERSATION_UPDATED',
]);
const isConversationFeedKind = (kind: ChatEventKind): kind is ConversationFeedKind => CONVERSATION_FEED_KINDS.has(kind);
const LEAVES = new Set(['MEMBER_REMOVED', 'MEMBER_LEFT']);

function groupOf(event: ChatEvent): { conversationId: ConversationId; memberVersion: number } | null {
  if (event.kind === 'USER_STATUS' || event.kind === 'USER_JOURNAL') return null;
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
 * the user joins and drops it when they leave or are removed. Which groups those are is known
 * once per user per process ({@link UserGroups}), however many feeds the user opens there.
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
  private readonly users = new Map<UserId, UserGroups>();
  private changes: MembershipChanges | null = null;

  constructor(
    private readonly subscriber: EventSubscriber,
    private readonly conversations: ConversationRepository,
  ) {}

  /**
   * `kind` events for `userId`: of all their conversations (`conversationId` null), or of one.
   * A feed of one group ends when the user leaves it or is removed.
   */
  open(
    userId: UserId,
    kindOrKinds: ConversationFeedKind | readonly ConversationFeedKind[],
    conversationId: ConversationId | null,
    /**
     * A feed of all the user's conversations also carries the changes to their own membership
     * (added to a group, removed, role), which it would otherwise miss: the group's own events
     * about them travel before the feed follows, or after it stopped following, that group.
     */
    /** `userStream`: also the user's presence and journal topics (userEvents). */
    options: { ownChanges?: boolean; userStream?: boolean } = {},
  ): LiveEvents {
    const kinds: readonly ConversationFeedKind[] = typeof kindOrKinds === 'string' ? [kindOrKinds] : kindOrKinds;
    const control: Feed = { scope: 'user', userId, kind: 'CONVERSATION_UPDATED' };
    const groupFeeds = (id: ConversationId): Feed[] =>
      kinds.map((kind) => ({ scope: 'conversation', conversationId: id, kind }));
    if (conversationId !== null) {
      if (!isGroupConversationId(conversationId)) return this.subscriber.openMany(groupFeeds(conversationId));
      // One group: its topic, and the user's own changes, which end the feed when they leave.
      const live = this.subscriber.openMany([...groupFeeds(conversationId), control]);
      return {
        events: new GuardedEvents(this, live, userId, kinds, conversationId, () => undefined),
        ready: live.ready,
      };
    }
    const own = options.ownChanges && !kinds.includes('CONVERSATION_UPDATED') ? [control] : [];
    // Presence changes of the user's contacts, and their journal, travel on their own topics only.
    const presence: Feed[] = options.userStream
      ? [
          { scope: 'user', userId, kind: 'USER_STATUS' },
          { scope: 'user', userId, kind: 'USER_JOURNAL' },
        ]
      : [];
    const live = this.subscriber.openMany([
      ...kinds.map((kind): Feed => ({ scope: 'user', userId, kind })),
      ...own,
      ...presence,
    ]);
    const groups = this.groupsOf(userId);
    let closed = false;
    let stopWatching: () => void = () => undefined;
    const release = () => {
      closed = true;
      stopWatching();
      this.release(userId, groups);
    };
    const ready = Promise.all([live.ready, groups.ready]).then(() => {
      if (closed) return; // ended before it was ready: nothing to watch
      // The snapshot and the watch are taken together: every later join or leave reaches the watcher.
      stopWatching = groups.watch((change: 'join' | 'leave', id: ConversationId) => {
        if (change === 'join') void live.add(groupFeeds(id)).catch(() => undefined);
        else live.remove(groupFeeds(id));
      });
      return live.add([...groups.current].flatMap(groupFeeds));
    });
    const delivered: readonly ChatEventKind[] = options.userStream ? [...kinds, 'USER_STATUS', 'USER_JOURNAL'] : kinds;
    return { events: new GuardedEvents(this, live, userId, delivered, null, release, own.length > 0), ready };
  }

  /** True when `userId` is in the group as of `memberVersion` or later (false when it cannot be read). */
  async isMember(conversationId: ConversationId, userId: UserId, memberVersion: number): Promise<boolean> {
    let roster = this.rosters.get(conversationId);
    if (!roster || roster.memberVersion < memberVersion) roster = (await this.load(conversationId)) ?? undefined;
    return roster?.members.has(userId) ?? false;
  }

  private groupsOf(userId: UserId): UserGroups {
    let groups = this.users.get(userId);
    if (!groups) {
      groups = new UserGroups(this.membershipChanges(), this.conversations, userId);
      this.users.set(userId, groups);
      // A listing that failed is not kept: the next feed of the user asks again.
      const failed = groups;
      groups.ready.catch(() => this.users.get(userId) === failed && this.release(userId, failed, true));
    }
    groups.refs += 1;
    return groups;
  }

  /** The process's one subscription to every membership change (opened again after it failed). */
  private membershipChanges(): MembershipChanges {
    if (!this.changes) {
      const changes = new MembershipChanges(this.subscriber);
      this.changes = changes;
      changes.ready.catch(() => {
        if (this.changes === changes) this.changes = null;
        changes.close();
      });
    }
    return this.changes;
  }

  private release(userId: UserId, groups: UserGroups, failed = false): void {
    if (!failed) groups.refs -= 1;
    if ((groups.refs > 0 && !failed) || this.users.get(userId) !== groups) return;
    this.users.delete(userId);
    groups.close();
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

type MembershipWatcher = (change: 'join' | 'leave', conversationId: ConversationId) => void;

/**
 * Every group membership change, on one topic that each process subscribes to once
 * (pubsub/topics.ts, `conversation_updates`), handed to the users' {@link UserGroups} it holds.
 * One subscription per process rather than one per user: a Redis subscription costs a WS instance
 * about as much memory as a GraphQL subscription (bench C), and membership changes are rare.
 */
class MembershipChanges {
  readonly ready: Promise<void>;
  private readonly live: LiveEvents;
  private readonly watchers = new Map<UserId, Set<(event: EventOfKind<'CONVERSATION_UPDATED'>) => void>>();

  constructor(subscriber: EventSubscriber) {
    this.live = subscriber.open({ scope: 'all', kind: 'CONVERSATION_UPDATED' });
    this.ready = this.live.ready;
    void this.pump();
  }

  watch(userId: UserId, watcher: (event: EventOfKind<'CONVERSATION_UPDATED'>) => void): () => void {
    const set = this.watchers.get(userId) ?? new Set();
    set.add(watcher);
    this.watchers.set(userId, set);
    return () => {
      set.delete(watcher);
      if (set.size === 0 && this.watchers.get(userId) === set) this.watchers.delete(userId);
    };
  }

  close(): void {
    void this.live.events.return?.();
  }

  private async pump(): Promise<void> {
    try {
      for await (const event of this.live.events) {
        if (event.kind !== 'CONVERSATION_UPDATED') continue;
        for (const userId of event.userIds) for (const watcher of this.watchers.get(userId) ?? []) watcher(event);
      }
    } catch {
      // The topic failed (broker loss): clients resubscribe after their reconnect.
    }
  }
}

/**
 * The groups one user is in, as one process knows them while it holds any feed of theirs: listed
 * once the process's membership topic is confirmed (so a join after the listing is announced on
 * it, and one before it is in the listing), then kept current by it.
 */
class UserGroups {
  readonly current = new Set<ConversationId>();
  readonly ready: Promise<void>;
  refs = 0;
  private readonly watchers = new Set<MembershipWatcher>();
  private readonly stop: () => void;

  constructor(changes: MembershipChanges, conversations: ConversationRepository, userId: UserId) {
    this.stop = changes.watch(userId, (event) => {
      const { conversationId } = event;
      if (JOINS.has(event.type) && !this.current.has(conversationId)) this.change('join', conversationId);
      if (LEAVES.has(event.type) && this.current.has(conversationId)) this.change('leave', conversationId);
    });
    this.ready = changes.ready.then(async () => {
      for (const conversation of await conversations.listAllFor(userId))
        if (conversation.kind === 'GROUP') this.current.add(conversation.id);
    });
  }

  watch(watcher: MembershipWatcher): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  close(): void {
    this.stop();
  }

  private change(change: 'join' | 'leave', conversationId: ConversationId): void {
    if (change === 'join') this.current.add(conversationId);
    else this.current.delete(conversationId);
    for (const watcher of this.watchers) watcher(change, conversationId);
  }
}

/** The events of one feed, past the membership checks. */
class GuardedEvents implements AsyncIterableIterator<ChatEvent> {
  private readonly seenUpdates: string[] = [];
  private released = false;

  constructor(
    private readonly feeds: GroupFeeds,
    private readonly live: DynamicLiveEvents,
    private readonly userId: UserId,
    private readonly kinds: readonly ChatEventKind[],
    /** The one group this feed is about; null for all of the user's conversations. */
    private readonly only: ConversationId | null,
    private readonly onClose: () => void,
    /** Deliver conversationUpdated about the user themselves whatever `kinds` are. */
    private readonly ownChanges = false,
  ) {}

  async next(): Promise<IteratorResult<ChatEvent>> {
    try {
      for (;;) {
        const result = await this.live.events.next();
        if (result.done) {
          this.release();
          return result;
        }
        const verdict = await this.judge(result.value);
        if (verdict === 'deliver') return result;
        if (verdict === 'end') return await this.return();
      }
    } catch (error) {
      this.release(); // a failed feed (overflow) is not followed by return()
      throw error;
    }
  }

  async return(): Promise<IteratorResult<ChatEvent>> {
    this.release();
    await this.live.events.return?.();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ChatEvent> {
    return this;
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    this.onClose();
  }

  private async judge(event: ChatEvent): Promise<'deliver' | 'skip' | 'end'> {
    const group = groupOf(event);
    const wanted = (this.kinds as readonly string[]).includes(event.kind);
    if (!group) return wanted ? 'deliver' : 'skip';
    const { conversationId, memberVersion } = group;
    if (this.only !== null && conversationId !== this.only) return 'skip';
    if (event.kind === 'CONVERSATION_UPDATED' && event.userIds.includes(this.userId)) {
      // About the user themselves (on their own topic and the group's): delivered once, even
      // their removal; a feed of that one group ends with it.
      if (this.seen(`${conversationId}:${event.seq}`)) return 'skip';
      if (wanted || this.ownChanges) return 'deliver';
      return LEAVES.has(event.type) && this.only !== null ? 'end' : 'skip';
    }
    if (!wanted) return 'skip';
    if (event.kind === 'CONVERSATION_UPDATED' && this.seen(`${conversationId}:${event.seq}`)) return 'skip';
    if (await this.feeds.isMember(conversationId, this.userId, memberVersion)) return 'deliver';
    this.live.remove(
      this.kinds.filter(isConversationFeedKind).map((kind): Feed => ({ scope: 'conversation', conversationId, kind })),
    );
    return this.only !== null ? 'end' : 'skip';
  }

  /** True for the second copy of a conversationUpdated (it comes on the user's topic and the group's). */
  private seen(key: string): boolean {
    if (this.seenUpdates.includes(key)) return true;
    this.seenUpdates.push(key);
    if (this.seenUpdates.length > SEEN_UPDATES) this.seenUpdates.shift();
    return false;
  }
}

import { Readable } from 'node:stream';
import type {
  JobLocks,
  ScheduledMessage,
  ScheduledMessageRepository,
  ScheduledUpdate,
} from '../../src/domain/scheduling/scheduled-message.types';
import type {
  AttachmentFiles,
  AttachmentRepository,
  StoredAttachment,
} from '../../src/domain/attachment/attachment.types';
import { randomBytes } from 'node:crypto';
import type { ConversationLease, ConversationLeases } from '../../src/domain/conversation/conversation.lease';
import {
  EMPTY_MEMBER_STATE,
  stampFor,
  type Conversation,
  type ConversationRepository,
  type ConversationWrite,
  type MemberState,
} from '../../src/domain/conversation/conversation.types';
import { ChatError } from '../../src/domain/errors';
import {
  membershipKey,
  type MemberCursor,
  type Membership,
  type MembershipRepository,
  type MembershipWrite,
} from '../../src/domain/conversation/membership.types';
import type {
  ChatEvent,
  DynamicLiveEvents,
  EventPublisher,
  EventSubscriber,
  Feed,
  LiveEvents,
} from '../../src/domain/events';
import type { ConversationId, UserId } from '../../src/domain/ids';
import type { ChatObserver } from '../../src/domain/observer';
import type { PresenceState, PresenceStore } from '../../src/domain/presence/presence.types';
import type {
  MentionRange,
  MessagePatch,
  MessageRepository,
  NewChatMessage,
  VisibleRange,
} from '../../src/domain/message/message.repository';
import { patched } from '../../src/domain/timeline/message-change.rules';
import type { MessageChange, MessageChangeRepository } from '../../src/domain/timeline/timeline.types';
import type { JournalEntry, NewJournalEntry, UserJournalRepository } from '../../src/domain/timeline/user-journal';
import type {
  EventCheckpoint,
  EventCheckpointRepository,
  PositionVector,
} from '../../src/domain/timeline/user-events.types';
import type { ChatMessage } from '../../src/domain/message/message.types';
import { unlimited } from '../../src/domain/rate-limit';
import { createServices, type DomainPorts, type Services } from '../../src/domain/services';
import type { User, UserRepository } from '../../src/domain/user/user.types';
import { EventQueue } from '../../src/pubsub/event-queue';

/**
 * Small in-memory implementations of the domain's ports, faithful to the contracts written on the
 * port interfaces, so the domain's rules can be tested without a datastore. They are not the
 * MongoDB adapters: the e2e suite covers those against a real server.
 */

export const newId = () => randomBytes(12).toString('hex');

export class InMemoryUsers implements UserRepository {
  readonly users = new Map<UserId, User>();

  add(name: string): UserId {
    const id = newId() as UserId;
    this.users.set(id, { id, name, email: `${name.toLowerCase()}@example.test` });
    return id;
  }

  async findById(id: UserId): Promise<User | null> {
    return this.users.get(id) ?? null;
  }

  async findByIds(ids: readonly UserId[]): Promise<User[]> {
    return ids.flatMap((id) => this.users.get(id) ?? []);
  }

  async searchByPrefix(prefix: string, limit: number, excluding: UserId): Promise<User[]> {
    const matches = (text: string | null) => text?.toLowerCase().startsWith(prefix) ?? false;
    return [...this.users.values()]
      .filter((user) => user.id !== excluding && (matches(user.name) || matches(user.email)))
      .sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''))
      .slice(0, limit);
  }
}

type MutableConversation = {
  -readonly [K in keyof Conversation]: Conversation[K];
} & { members: Record<string, MemberState> };

export class InMemoryConversations implements ConversationRepository {
  readonly stored = new Map<ConversationId, MutableConversation>();

  async findById(id: ConversationId): Promise<Conversation | null> {
    const found = this.stored.get(id);
    return found ? structuredClone(found) : null;
  }

  async listVisibleFor(userId: UserId, limit: number): Promise<Conversation[]> {
    return (await this.listAllFor(userId))
      .filter((conversation) => !conversation.members[userId]?.hidden)
      .sort((a, b) => b.lastActivityAt.getTime() - a.lastActivityAt.getTime())
      .slice(0, limit);
  }

  async listAllFor(userId: UserId): Promise<Conversation[]> {
    return [...this.stored.values()]
      .filter((conversation) => conversation.participants.includes(userId))
      .map((conversation) => structuredClone(conversation));
  }

  async findMany(ids: readonly ConversationId[]): Promise<Map<ConversationId, Conversation>> {
    const found = new Map<ConversationId, Conversation>();
    for (const id of ids) {
      const conversation = this.stored.get(id);
      if (conversation) found.set(id, structuredClone(conversation));
    }
    return found;
  }

  async record(writes: readonly ConversationWrite[]): Promise<Set<ConversationId>> {
    const refused = new Set<ConversationId>();
    for (const { base, next } of writes) {
      const current = this.stored.get(next.id);
      // As the store's `$max` on (fence, version, ...): the higher stamp wins; an equal one is this write again.
      const ahead = current && (current.fence - next.fence || current.version - next.version);
      if (base === null ? current && ahead !== 0 : ahead !== undefined && ahead > 0) refused.add(next.id);
      else this.stored.set(next.id, structuredClone(next) as MutableConversation);
    }
    return refused;
  }

  async open(lease: ConversationLease, participants: readonly [UserId, UserId], openedBy: UserId): Promise<void> {
    const conversation = this.fenced(lease) ?? this.ensure(lease.conversationId, participants);
    this.member(conversation, openedBy).hidden = false;
    conversation.lastActivityAt = new Date();
  }

  async markRead(lease: ConversationLease, readerId: UserId, readSeq: number, readCount: number): Promise<void> {
    const member = this.member(this.fenced(lease)!, readerId);
    member.readSeq = Math.max(member.readSeq, readSeq);
    member.unreadCount -= readCount;
  }

  async hideFor(lease: ConversationLease, userId: UserId, clearedSeq: number): Promise<void> {
    const conversation = this.fenced(lease);
    if (!conversation) return;
    const member = this.member(conversation, userId);
    Object.assign(member, { hidden: true, unreadCount: 0, clearedSeq, readSeq: Math.max(member.readSeq, clearedSeq) });
  }

  async change(
    lease: ConversationLease,
    change: (base: Conversation) => Conversation | null,
  ): Promise<Conversation | null> {
    if (this.fencedOut(lease.conversationId, lease)) throw new ChatError('SERVICE_UNAVAILABLE', 'lease overtaken');
    const base = this.stored.get(lease.conversationId);
    if (!base) return null;
    const changed = change(structuredClone(base));
    if (!changed) return structuredClone(base);
    const next = { ...changed, ...stampFor(base, lease) };
    this.stored.set(next.id, structuredClone(next) as MutableConversation);
    return next;
  }

  private fencedOut(id: ConversationId, lease: ConversationLease): boolean {
    return lease.fence !== null && (this.stored.get(id)?.fence ?? 0) > lease.fence;
  }

  /** The conversation to write under `lease` (stamped with its fence); SERVICE_UNAVAILABLE when a newer lease wrote it. */
  private fenced(lease: ConversationLease): MutableConversation | undefined {
    if (this.fencedOut(lease.conversationId, lease)) throw new ChatError('SERVICE_UNAVAILABLE', 'lease overtaken');
    const conversation = this.stored.get(lease.conversationId);
    if (conversation) Object.assign(conversation, stampFor(conversation, lease));
    return conversation;
  }

  async setBlock(
    lease: ConversationLease,
    participants: readonly [UserId, UserId],
    blockerId: UserId,
    blocks: boolean,
  ): Promise<Conversation> {
    const existed = this.stored.has(lease.conversationId);
    const conversation = this.ensure(lease.conversationId, participants);
    if (!existed) for (const userId of participants) this.member(conversation, userId).hidden = true;
    const others = conversation.blockedBy.filter((userId) => userId !== blockerId);
    conversation.blockedBy = blocks ? [...others, blockerId] : others;
    this.fenced(lease);
    return structuredClone(conversation);
  }

  async listBlockedBy(userId: UserId): Promise<Conversation[]> {
    return [...this.stored.values()].filter((c) => c.blockedBy.includes(userId)).map((c) => structuredClone(c));
  }

  private ensure(id: ConversationId, participants: readonly [UserId, UserId]): MutableConversation {
    let conversation = this.stored.get(id);
    if (!conversation) {
      conversation = {
        id,
        kind: 'DIRECT',
        group: null,
        participants: [...participants].sort() as [UserId, UserId],
        lastMessage: null,
        lastMessageTime: null,
        lastActivityAt: new Date(),
        lastSeq: 0,
        eventSeq: 0,
        pins: [],
        fence: 0,
        version: 0,
        members: {},
        blockedBy: [],
      };
      this.stored.set(id, conversation);
    }
    return conversation;
  }

  private member(
    conversation: MutableConversation,
    userId: UserId,
  ): { -readonly [K in keyof MemberState]: MemberState[K] } {
    conversation.members[userId] ??= { ...EMPTY_MEMBER_STATE };
    return conversation.members[userId] as { -readonly [K in keyof MemberState]: MemberState[K] };
  }
}

/** What a message stored by hand carries before anything happens to it after the send. */
export const FRESH_MESSAGE_FIELDS = {
  replyToId: null,
  mentions: [],
  eventSeq: 0,
  editedAt: null,
  edits: [],
  reactions: [],
  pinnedAt: null,
  pinnedBy: null,
  changeSeq: 0,
  attachments: [],
} as const satisfies Partial<ChatMessage>;

export class InMemoryMessageChanges implements MessageChangeRepository {
  readonly stored: MessageChange[] = [];

  async insert(change: MessageChange): Promise<boolean> {
    if (this.stored.some((c) => c.conversationId === change.conversationId && c.seq === change.seq)) return false;
    this.stored.push(change);
    return true;
  }

  async after(conversationId: ConversationId, afterEventSeq: number, limit: number): Promise<MessageChange[]> {
    return this.stored
      .filter((c) => c.conversationId === conversationId && c.seq > afterEventSeq)
      .sort((a, b) => a.seq - b.seq)
      .slice(0, limit);
  }

  async pruneBefore(before: Date): Promise<number> {
    const kept = this.stored.filter((c) => c.occurredAt >= before);
    const deleted = this.stored.length - kept.length;
    this.stored.splice(0, this.stored.length, ...kept);
    return deleted;
  }
}

export class InMemoryMessages implements MessageRepository {
  readonly stored: ChatMessage[] = [];

  async findById(id: string): Promise<ChatMessage | null> {
    return this.stored.find((message) => message.id === id) ?? null;
  }

  async findByClientMessageId(
    conversationId: ConversationId,
    senderId: UserId,
    clientMessageId: string,
  ): Promise<ChatMessage | null> {
    return (
      this.stored.find(
        (m) => m.conversationId === conversationId && m.senderId === senderId && m.clientMessageId === clientMessageId,
      ) ?? null
    );
  }

  async insertMany(messages: readonly NewChatMessage[]): Promise<Array<ChatMessage | null>> {
    // Check and store with no await between, as unique indexes do it atomically; in order, up to
    // the first refusal, as an ordered insertMany does.
    let refused = false;
    return messages.map((message) => {
      refused ||= this.stored.some(
        (m) =>
          m.conversationId === message.conversationId &&
          (m.seq === message.seq || (m.senderId === message.senderId && m.clientMessageId === message.clientMessageId)),
      );
      if (refused) return null;
      const now = new Date();
      const stored: ChatMessage = {
        ...message,
        id: newId(),
        isRead: false,
        readAt: null,
        deletedAt: null,
        createdAt: now,
        updatedAt: now,
        ...FRESH_MESSAGE_FIELDS,
        replyToId: message.replyToId,
        mentions: message.mentions,
        eventSeq: message.eventSeq,
      };
      this.stored.push(stored);
      return stored;
    });
  }

  async unrecorded(conversationId: ConversationId, afterSeq: number): Promise<ChatMessage[]> {
    return this.stored
      .filter((message) => message.conversationId === conversationId && message.seq > afterSeq)
      .sort((a, b) => a.seq - b.seq);
  }

  async newestFirst(range: VisibleRange, beforeSeq: number | null, skip: number, limit: number) {
    return this.visible(range)
      .filter((message) => message.seq <= range.topSeq && (beforeSeq === null || message.seq < beforeSeq))
      .sort((a, b) => b.seq - a.seq)
      .slice(skip, skip + limit);
  }

  async oldestFirstAfter(range: VisibleRange, afterSeq: number, limit: number) {
    return this.visible(range)
      .filter((message) => message.seq > afterSeq)
      .sort((a, b) => a.seq - b.seq)
      .slice(0, limit);
  }

  async count(range: VisibleRange): Promise<number> {
    return this.visible(range).length;
  }

  async unreadFor(range: VisibleRange, receiverId: UserId, upToSeq: number, only: { ids?: readonly string[] }) {
    return this.visible(range)
      .filter(
        (m) => m.receiverId === receiverId && !m.isRead && m.seq <= upToSeq && (!only.ids || only.ids.includes(m.id)),
      )
      .sort((a, b) => a.seq - b.seq);
  }

  async markRead(conversationId: ConversationId, messages: readonly ChatMessage[], readAt: Date): Promise<number> {
    const ids = messages.map((message) => message.id);
    let changed = 0;
    this.update((message) => {
      if (message.conversationId !== conversationId || !ids.includes(message.id) || message.isRead) return message;
      changed += 1;
      return { ...message, isRead: true, readAt };
    });
    return changed;
  }

  async findInConversation(conversationId: ConversationId, ids: readonly string[]): Promise<ChatMessage[]> {
    return this.stored
      .filter((message) => message.conversationId === conversationId && ids.includes(message.id))
      .sort((a, b) => a.seq - b.seq);
  }

  async countDeleted(conversationId: ConversationId, afterSeq: number, upToSeq: number): Promise<number> {
    return this.stored.filter(
      (m) =>
        m.conversationId === conversationId &&
        m.seq > afterSeq &&
        m.seq <= upToSeq &&
        m.deletedAt !== null &&
        m.messageType !== 'system',
    ).length;
  }

  async applyPatch(conversationId: ConversationId, id: string, changeSeq: number, patch: MessagePatch): Promise<void> {
    this.update((message) =>
      message.id === id && message.conversationId === conversationId && message.changeSeq < changeSeq
        ? patched(message, patch, changeSeq)
        : message,
    );
  }

  async findOne(conversationId: ConversationId, id: string): Promise<ChatMessage | null> {
    return this.stored.find((m) => m.id === id && m.conversationId === conversationId) ?? null;
  }

  async findCarrying(conversationId: ConversationId, attachmentId: string): Promise<ChatMessage | null> {
    return (
      this.stored.find(
        (m) => m.conversationId === conversationId && m.attachments.some((a) => a.id === attachmentId),
      ) ?? null
    );
  }

  async replies(range: VisibleRange, replyToId: string, afterSeq: number, limit: number): Promise<ChatMessage[]> {
    return this.visible(range)
      .filter((m) => m.replyToId === replyToId && m.seq > afterSeq)
      .sort((a, b) => a.seq - b.seq)
      .slice(0, limit);
  }

  async countReplies(conversationId: ConversationId, ids: readonly string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const m of this.visible({ conversationId, floorSeq: 0 }))
      if (m.replyToId && ids.includes(m.replyToId)) counts.set(m.replyToId, (counts.get(m.replyToId) ?? 0) + 1);
    return counts;
  }

  async countMentions(userId: UserId, ranges: readonly MentionRange[]): Promise<Map<ConversationId, number>> {
    const counts = new Map<ConversationId, number>();
    for (const range of ranges) {
      const count = this.visible(range).filter(
        (m) => m.mentions.includes(userId) && m.senderId !== userId && (!range.direct || !m.isRead),
      ).length;
      if (count > 0) counts.set(range.conversationId, count);
    }
    return counts;
  }

  async latestVisible(conversationId: ConversationId, topSeq: number): Promise<ChatMessage | null> {
    return (await this.newestFirst({ conversationId, floorSeq: 0, topSeq }, null, 0, 1))[0] ?? null;
  }

  async search(ranges: readonly VisibleRange[], pattern: string, limit: number): Promise<ChatMessage[]> {
    const regex = new RegExp(pattern, 'i');
    return ranges
      .flatMap((range) => this.visible(range))
      .filter((message) => message.messageType !== 'system' && regex.test(message.message))
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
      .slice(0, limit);
  }

  private visible(range: Pick<VisibleRange, 'conversationId' | 'floorSeq'>): ChatMessage[] {
    return this.stored.filter(
      (m) => m.conversationId === range.conversationId && m.seq > range.floorSeq && m.deletedAt === null,
    );
  }

  private update(change: (message: ChatMessage) => ChatMessage): void {
    this.stored.splice(0, this.stored.length, ...this.stored.map(change));
  }
}

/** Member records, with the adapter's semantics: `read` and `hide` move marks forward only. */
export class InMemoryMemberships implements MembershipRepository {
  readonly stored = new Map<string, Membership>();

  async find(conversationId: ConversationId, userId: UserId): Promise<Membership | null> {
    return this.stored.get(membershipKey(conversationId, userId)) ?? null;
  }

  async findFor(userId: UserId, conversationIds: readonly ConversationId[]): Promise<Map<ConversationId, Membership>> {
    const found = new Map<ConversationId, Membership>();
    for (const id of conversationIds) {
      const membership = this.stored.get(membershipKey(id, userId));
      if (membership) found.set(id, membership);
    }
    return found;
  }

  async page(conversationId: ConversationId, after: MemberCursor | null, limit: number): Promise<Membership[]> {
    return (await this.all(conversationId))
      .filter(
        (m) => !after || m.joinedSeq > after.joinedSeq || (m.joinedSeq === after.joinedSeq && m.userId > after.userId),
      )
      .slice(0, limit);
  }

  async all(conversationId: ConversationId): Promise<Membership[]> {
    return [...this.stored.values()]
      .filter((membership) => membership.conversationId === conversationId)
      .sort((a, b) => a.joinedSeq - b.joinedSeq || a.userId.localeCompare(b.userId));
  }

  async apply(writes: readonly MembershipWrite[]): Promise<void> {
    for (const write of writes) {
      if (write.op === 'join') {
        this.stored.set(membershipKey(write.membership.conversationId, write.membership.userId), write.membership);
        continue;
      }
      const key = membershipKey(write.conversationId, write.userId);
      if (write.op === 'leave') {
        this.stored.delete(key);
        continue;
      }
      const current = this.stored.get(key);
      if (!current) continue;
      const read = write.read.seq > current.read.seq ? write.read : current.read;
      this.stored.set(
        key,
        write.op === 'read'
          ? { ...current, read, hidden: false }
          : { ...current, read, hidden: true, clearedSeq: Math.max(current.clearedSeq, write.clearedSeq) },
      );
    }
  }
}

/**
 * Leases as the Redis adapter hands them out within one process: exclusive, each grant with a
 * higher fence. `holdElsewhere` plays another process holding a conversation.
 */
export class InMemoryLeases implements ConversationLeases {
  private readonly holds = new Map<
    ConversationId,
    { lease: ConversationLease; release: () => void; released: Promise<void> }
  >();
  private readonly fences = new Map<ConversationId, number>();
  readonly elsewhere = new Set<ConversationId>();

  holdElsewhere(id: ConversationId): void {
    this.elsewhere.add(id);
  }

  heldLocally(id: ConversationId): boolean {
    return this.holds.has(id);
  }

  releasedLocally(id: ConversationId): Promise<void> {
    return this.holds.get(id)?.released ?? Promise.resolve();
  }

  async tryAcquire(ids: readonly ConversationId[]): Promise<Map<ConversationId, ConversationLease>> {
    const granted = new Map<ConversationId, ConversationLease>();
    for (const id of new Set(ids)) {
      if (this.holds.has(id) || this.elsewhere.has(id)) continue;
      const fence = (this.fences.get(id) ?? 0) + 1;
      this.fences.set(id, fence);
      const lease = { conversationId: id, fence };
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      this.holds.set(id, { lease, release, released });
      granted.set(id, lease);
    }
    return granted;
  }

  /** The holder's lease runs out while it still works (it stalled): anyone may take it now. */
  expire(id: ConversationId): void {
    const hold = this.holds.get(id);
    this.holds.delete(id);
    hold?.release();
  }

  async release(leases: Iterable<ConversationLease>): Promise<void> {
    for (const lease of leases) {
      const hold = this.holds.get(lease.conversationId);
      if (hold?.lease !== lease) continue;
      this.holds.delete(lease.conversationId);
      hold.release();
    }
  }

  async raiseFence(lease: ConversationLease, floor: number): Promise<ConversationLease | null> {
    const hold = this.holds.get(lease.conversationId);
    if (hold?.lease !== lease) return null;
    hold.lease = { conversationId: lease.conversationId, fence: floor + 1 };
    this.fences.set(lease.conversationId, floor + 1);
    return hold.lease;
  }
}

/** Records what was published; `open` hands out live feeds that `publish` fills. */
export class InMemoryBroker implements EventPublisher, EventSubscriber {
  readonly published: ChatEvent[] = [];
  /** Feeds opened and not yet closed (a subscription that ends must close its feed). */
  openFeeds = 0;

  async publish(event: ChatEvent): Promise<void> {
    this.published.push(event);
  }

  open(feed: Feed): LiveEvents {
    return this.openMany([feed]);
  }

  openMany(_feeds: readonly Feed[]): DynamicLiveEvents {
    this.openFeeds += 1;
    return {
      events: new EventQueue<ChatEvent>(100, () => (this.openFeeds -= 1)),
      ready: Promise.resolve(),
      add: async () => undefined,
      remove: () => undefined,
    };
  }

  ofKind<K extends ChatEvent['kind']>(kind: K): Array<Extract<ChatEvent, { kind: K }>> {
    return this.published.filter((event): event is Extract<ChatEvent, { kind: K }> => event.kind === kind);
  }
}

export class InMemoryPresence implements PresenceStore {
  readonly online = new Set<UserId>();

  async connect(userId: UserId): Promise<boolean> {
    const wasOffline = !this.online.has(userId);
    this.online.add(userId);
    return wasOffline;
  }

  async disconnect(userId: UserId): Promise<boolean> {
    return this.online.delete(userId);
  }

  async heartbeat(): Promise<void> {}

  async reap(): Promise<UserId[]> {
    return [];
  }

  async deadInstances(): Promise<string[]> {
    return [];
  }

  async lookup(userIds: readonly UserId[]): Promise<PresenceState[]> {
    return userIds.map((userId) => ({ userId, online: this.online.has(userId), lastSeenAt: null }));
  }
}

export const quietObserver: ChatObserver = {
  messageStored: () => undefined,
  duplicateSendCaught: () => undefined,
  messageDelivered: () => undefined,
  resumed: () => undefined,
  fullResync: () => undefined,
  sendRefused: () => undefined,
  leftoverFolded: () => undefined,
};

/** What processes of one deployment share: the datastores, the lease store and the broker. */
interface SharedStores {
  readonly users: InMemoryUsers;
  readonly conversations: InMemoryConversations;
  readonly memberships: InMemoryMemberships;
  readonly leases: InMemoryLeases;
  readonly messages: InMemoryMessages;
  readonly changes: InMemoryMessageChanges;
  readonly presence: InMemoryPresence;
  readonly broker: InMemoryBroker;
  readonly scheduled?: InMemoryScheduledMessages;
  readonly locks?: InMemoryJobLocks;
}

export class InMemoryEventCheckpoints implements EventCheckpointRepository {
  readonly stored: EventCheckpoint[] = [];
  private next = 0;

  async insert(userId: UserId, positions: PositionVector): Promise<string> {
    this.next += 1;
    const id = this.next.toString(16).padStart(24, '0');
    this.stored.push({ id, userId, positions: new Map(positions), createdAt: new Date() });
    return id;
  }

  async find(userId: UserId, id: string): Promise<EventCheckpoint | null> {
    return this.stored.find((checkpoint) => checkpoint.userId === userId && checkpoint.id === id) ?? null;
  }

  async pruneFor(userId: UserId, keep: number): Promise<number> {
    const mine = this.stored.filter((checkpoint) => checkpoint.userId === userId);
    const old = new Set(mine.slice(0, Math.max(0, mine.length - keep)));
    this.stored.splice(0, this.stored.length, ...this.stored.filter((checkpoint) => !old.has(checkpoint)));
    return old.size;
  }
}

export class InMemoryUserJournals implements UserJournalRepository {
  readonly stored = new Map<UserId, JournalEntry[]>();

  async append(userId: UserId, entry: NewJournalEntry): Promise<JournalEntry> {
    const entries = this.stored.get(userId) ?? [];
    const stored = { ...entry, seq: entries.length + 1 };
    entries.push(stored);
    this.stored.set(userId, entries);
    return stored;
  }

  async after(userId: UserId, afterSeq: number, limit: number): Promise<JournalEntry[]> {
    return (this.stored.get(userId) ?? []).filter((entry) => entry.seq > afterSeq).slice(0, limit);
  }

  async lastSeq(userId: UserId): Promise<number> {
    return this.stored.get(userId)?.length ?? 0;
  }
}

export class InMemoryAttachments implements AttachmentRepository {
  readonly stored = new Map<string, StoredAttachment>();

  async create(attachment: StoredAttachment): Promise<void> {
    this.stored.set(attachment.id, attachment);
  }

  async findMany(ids: readonly string[]): Promise<StoredAttachment[]> {
    return ids.flatMap((id) => (this.stored.has(id) ? [this.stored.get(id)!] : []));
  }

  async claim(ids: readonly string[], conversationId: ConversationId): Promise<void> {
    this.update(ids, { conversationId });
  }

  async setExpiry(ids: readonly string[], expiresAt: Date | null): Promise<void> {
    this.update(ids, { expiresAt });
  }

  async release(ids: readonly string[], expiresAt: Date): Promise<void> {
    this.update(ids, { expiresAt, conversationId: null });
  }

  async expired(now: Date, limit: number): Promise<StoredAttachment[]> {
    return [...this.stored.values()]
      .filter((attachment) => attachment.expiresAt !== null && attachment.expiresAt <= now)
      .slice(0, limit);
  }

  async delete(ids: readonly string[]): Promise<void> {
    for (const id of ids) this.stored.delete(id);
  }

  private update(ids: readonly string[], change: Partial<StoredAttachment>): void {
    for (const id of ids) {
      const attachment = this.stored.get(id);
      if (attachment) this.stored.set(id, { ...attachment, ...change });
    }
  }
}

export class InMemoryAttachmentFiles implements AttachmentFiles {
  readonly stored = new Map<string, Buffer>();

  async write(id: string, _fileName: string, source: Readable): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of source) chunks.push(Buffer.from(chunk as Uint8Array));
    this.stored.set(id, Buffer.concat(chunks));
  }

  read(id: string, range?: { readonly start: number; readonly end: number }): Readable {
    const bytes = this.stored.get(id) ?? Buffer.alloc(0);
    return Readable.from([range ? bytes.subarray(range.start, range.end + 1) : bytes]);
  }

  async delete(ids: readonly string[]): Promise<void> {
    for (const id of ids) this.stored.delete(id);
  }
}

export class InMemoryScheduledMessages implements ScheduledMessageRepository {
  readonly stored = new Map<string, ScheduledMessage>();

  async insert(scheduled: ScheduledMessage): Promise<void> {
    this.stored.set(scheduled.id, scheduled);
  }

  async find(senderId: UserId, id: string): Promise<ScheduledMessage | null> {
    const found = this.stored.get(id);
    return found?.senderId === senderId ? found : null;
  }

  async countPending(senderId: UserId): Promise<number> {
    return [...this.stored.values()].filter((s) => s.senderId === senderId && s.status === 'PENDING').length;
  }

  async list(senderId: UserId, conversationId: ConversationId | null, since: Date): Promise<ScheduledMessage[]> {
    return [...this.stored.values()]
      .filter((s) => s.senderId === senderId && (conversationId === null || s.conversationId === conversationId))
      .filter((s) => s.status === 'PENDING' || s.sendAt >= since)
      .sort((a, b) => a.sendAt.getTime() - b.sendAt.getTime());
  }

  async due(now: Date, limit: number): Promise<ScheduledMessage[]> {
    return [...this.stored.values()]
      .filter((s) => s.status === 'PENDING' && s.sendAt <= now)
      .sort((a, b) => a.sendAt.getTime() - b.sendAt.getTime())
      .slice(0, limit);
  }

  async update(senderId: UserId, id: string, update: ScheduledUpdate): Promise<void> {
    const found = this.stored.get(id);
    if (found?.senderId === senderId) this.stored.set(id, { ...found, ...update });
  }
}

/** Locks with expiry, as Redis keeps them. */
export class InMemoryJobLocks implements JobLocks {
  private readonly held = new Map<string, { token: number; until: number }>();
  private next = 0;

  async tryLock(key: string, ttlMs: number): Promise<(() => Promise<void>) | null> {
    const current = this.held.get(key);
    if (current && current.until > Date.now()) return null;
    const token = (this.next += 1);
    this.held.set(key, { token, until: Date.now() + ttlMs });
    return async () => {
      if (this.held.get(key)?.token === token) this.held.delete(key);
    };
  }
}

/**
 * The service layer over fresh in-memory ports, with the ports at hand for assertions. With
 * `sharing`, a second process: its own services over the other's stores, leases and broker
 * (`messages` stands in for the shared message store, e.g. to stall this process's writes).
 */
export function inMemoryDomain(
  options: {
    sendMaxInFlight?: number;
    maxGroupMembers?: number;
    sharing?: SharedStores;
    messages?: InMemoryMessages;
  } = {},
) {
  const broker = options.sharing?.broker ?? new InMemoryBroker();
  const ports = {
    users: options.sharing?.users ?? new InMemoryUsers(),
    conversations: options.sharing?.conversations ?? new InMemoryConversations(),
    memberships: options.sharing?.memberships ?? new InMemoryMemberships(),
    leases: options.sharing?.leases ?? new InMemoryLeases(),
    messages: options.messages ?? options.sharing?.messages ?? new InMemoryMessages(),
    changes: options.sharing?.changes ?? new InMemoryMessageChanges(),
    checkpoints: new InMemoryEventCheckpoints(),
    journals: new InMemoryUserJournals(),
    attachments: new InMemoryAttachments(),
    attachmentFiles: new InMemoryAttachmentFiles(),
    scheduled: options.sharing?.scheduled ?? new InMemoryScheduledMessages(),
    locks: options.sharing?.locks ?? new InMemoryJobLocks(),
    presence: options.sharing?.presence ?? new InMemoryPresence(),
    rateLimiter: unlimited,
    observer: quietObserver,
    publisher: broker,
    subscriber: broker,
  } satisfies DomainPorts;
  const services: Services = createServices(ports, {
    typingExpiryMs: 6_000,
    sendMaxInFlight: options.sendMaxInFlight ?? 256,
    maxGroupMembers: options.maxGroupMembers ?? 1_000,
    maxReactionsPerMessage: 20,
    pinRequiresAdmin: true,
    eventRetentionDays: 30,
    attachments: { maxBytes: 1024 * 1024, unsentTtlSeconds: 60 },
    scheduleMinLeadSeconds: 1,
  });
  return { ...ports, broker, services };
}

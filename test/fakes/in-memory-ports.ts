import { randomBytes } from 'node:crypto';
import {
  EMPTY_MEMBER_STATE,
  previewOf,
  type Conversation,
  type ConversationMutex,
  type ConversationRepository,
  type MemberState,
  type MessagePreview,
} from '../../src/domain/conversation/conversation.types';
import type { ChatEvent, EventPublisher, EventSubscriber, Feed, LiveEvents } from '../../src/domain/events';
import type { ConversationId, UserId } from '../../src/domain/ids';
import type { ChatObserver } from '../../src/domain/observer';
import type { PresenceState, PresenceStore } from '../../src/domain/presence/presence.types';
import type {
  InsertResult,
  MessageRepository,
  NewChatMessage,
  VisibleRange,
} from '../../src/domain/message/message.repository';
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

  async reserveSeq(id: ConversationId, participants: readonly [UserId, UserId]): Promise<number> {
    const conversation = this.ensure(id, participants);
    conversation.lastSeq += 1;
    return conversation.lastSeq;
  }

  async recordMessage(message: ChatMessage): Promise<void> {
    const conversation = this.ensure(message.conversationId, [message.senderId, message.receiverId]);
    this.bumpFor(conversation, message);
    if (!conversation.lastMessage || conversation.lastMessage.seq < message.seq) {
      conversation.lastMessage = previewOf(message);
      conversation.lastMessageTime = message.createdAt;
    }
  }

  async lastSeq(id: ConversationId): Promise<number> {
    return this.stored.get(id)?.lastSeq ?? 0;
  }

  async recordSerialized(message: ChatMessage): Promise<void> {
    const conversation = this.ensure(message.conversationId, [message.senderId, message.receiverId]);
    conversation.lastSeq = message.seq;
    conversation.lastMessage = previewOf(message);
    conversation.lastMessageTime = message.createdAt;
    this.bumpFor(conversation, message);
  }

  async open(id: ConversationId, participants: readonly [UserId, UserId], openedBy: UserId): Promise<void> {
    const conversation = this.ensure(id, participants);
    this.member(conversation, openedBy).hidden = false;
    conversation.lastActivityAt = new Date();
  }

  async markRead(id: ConversationId, readerId: UserId, readSeq: number, readCount: number): Promise<void> {
    const member = this.member(this.stored.get(id)!, readerId);
    member.readSeq = Math.max(member.readSeq, readSeq);
    member.unreadCount -= readCount;
  }

  async hideFor(id: ConversationId, userId: UserId): Promise<void> {
    const conversation = this.stored.get(id);
    if (!conversation) return;
    const member = this.member(conversation, userId);
    Object.assign(member, {
      hidden: true,
      unreadCount: 0,
      clearedSeq: conversation.lastSeq,
      readSeq: Math.max(member.readSeq, conversation.lastSeq),
    });
  }

  async decrementUnread(id: ConversationId, userId: UserId, by: number): Promise<void> {
    if (by > 0) this.member(this.stored.get(id)!, userId).unreadCount -= by;
  }

  async replacePreview(id: ConversationId, messageId: string, preview: MessagePreview | null): Promise<void> {
    const conversation = this.stored.get(id);
    if (conversation?.lastMessage?.messageId !== messageId) return;
    conversation.lastMessage = preview;
    conversation.lastMessageTime = preview?.createdAt ?? null;
  }

  private ensure(id: ConversationId, participants: readonly [UserId, UserId]): MutableConversation {
    let conversation = this.stored.get(id);
    if (!conversation) {
      conversation = {
        id,
        participants: [...participants].sort() as [UserId, UserId],
        lastMessage: null,
        lastMessageTime: null,
        lastActivityAt: new Date(),
        lastSeq: 0,
        members: {},
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

  private bumpFor(conversation: MutableConversation, message: ChatMessage): void {
    this.member(conversation, message.receiverId).unreadCount += 1;
    this.member(conversation, message.receiverId).hidden = false;
    this.member(conversation, message.senderId).hidden = false;
    if (message.createdAt > conversation.lastActivityAt) conversation.lastActivityAt = message.createdAt;
  }
}

export class InMemoryMessages implements MessageRepository {
  readonly stored: ChatMessage[] = [];

  async findById(id: string): Promise<ChatMessage | null> {
    return this.stored.find((message) => message.id === id) ?? null;
  }

  async findByClientMessageId(senderId: UserId, clientMessageId: string): Promise<ChatMessage | null> {
    return this.stored.find((m) => m.senderId === senderId && m.clientMessageId === clientMessageId) ?? null;
  }

  async insert(message: NewChatMessage): Promise<InsertResult> {
    // Check and store with no await between, as a unique index does it atomically.
    const original = this.stored.find(
      (m) => m.senderId === message.senderId && m.clientMessageId === message.clientMessageId,
    );
    if (original) return { duplicateOf: original };
    const now = new Date();
    const stored: ChatMessage = {
      ...message,
      id: newId(),
      isRead: false,
      readAt: null,
      deletedAt: null,
      createdAt: now,
      updatedAt: now,
    };
    this.stored.push(stored);
    return { inserted: stored };
  }

  async newestFirst(range: VisibleRange, beforeSeq: number | null, skip: number, limit: number) {
    return this.visible(range)
      .filter((message) => beforeSeq === null || message.seq < beforeSeq)
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

  async unreadFor(range: VisibleRange, receiverId: UserId, only: { ids?: readonly string[] }) {
    return this.visible(range)
      .filter((m) => m.receiverId === receiverId && !m.isRead && (!only.ids || only.ids.includes(m.id)))
      .sort((a, b) => a.seq - b.seq);
  }

  async markRead(ids: readonly string[], readAt: Date): Promise<number> {
    let changed = 0;
    this.update((message) => {
      if (!ids.includes(message.id) || message.isRead) return message;
      changed += 1;
      return { ...message, isRead: true, readAt };
    });
    return changed;
  }

  async softDelete(id: string, senderId: UserId, at: Date): Promise<ChatMessage | null> {
    const before = this.stored.find((m) => m.id === id && m.senderId === senderId && m.deletedAt === null) ?? null;
    if (before) this.update((message) => (message.id === id ? { ...message, deletedAt: at } : message));
    return before;
  }

  async latestVisible(conversationId: ConversationId): Promise<ChatMessage | null> {
    return (await this.newestFirst({ conversationId, floorSeq: 0 }, null, 0, 1))[0] ?? null;
  }

  async search(ranges: readonly VisibleRange[], pattern: string, limit: number): Promise<ChatMessage[]> {
    const regex = new RegExp(pattern, 'i');
    return ranges
      .flatMap((range) => this.visible(range))
      .filter((message) => regex.test(message.message))
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
      .slice(0, limit);
  }

  private visible(range: VisibleRange): ChatMessage[] {
    return this.stored.filter(
      (m) => m.conversationId === range.conversationId && m.seq > range.floorSeq && m.deletedAt === null,
    );
  }

  private update(change: (message: ChatMessage) => ChatMessage): void {
    this.stored.splice(0, this.stored.length, ...this.stored.map(change));
  }
}

/** Runs work for one conversation one at a time, like the FerretDB document lock does across processes. */
export class InMemoryMutex implements ConversationMutex {
  readonly serializes = true;
  private readonly tails = new Map<ConversationId, Promise<unknown>>();

  run<T>(conversationId: ConversationId, work: () => Promise<T>): Promise<T> {
    const mine = (this.tails.get(conversationId) ?? Promise.resolve()).catch(() => undefined).then(work);
    this.tails.set(conversationId, mine);
    return mine;
  }
}

/** Records what was published; `open` hands out live feeds that `publish` fills. */
export class InMemoryBroker implements EventPublisher, EventSubscriber {
  readonly published: ChatEvent[] = [];

  async publish(event: ChatEvent): Promise<void> {
    this.published.push(event);
  }

  open(_feed: Feed): LiveEvents {
    return { events: new EventQueue<ChatEvent>(100, () => undefined), ready: Promise.resolve() };
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
};

/** The service layer over fresh in-memory ports, with the ports at hand for assertions. */
export function inMemoryDomain(options: { conversationMutex?: ConversationMutex } = {}) {
  const broker = new InMemoryBroker();
  const ports = {
    users: new InMemoryUsers(),
    conversations: new InMemoryConversations(),
    conversationMutex: options.conversationMutex ?? new InMemoryMutex(),
    messages: new InMemoryMessages(),
    presence: new InMemoryPresence(),
    rateLimiter: unlimited,
    observer: quietObserver,
    publisher: broker,
    subscriber: broker,
  } satisfies DomainPorts;
  const services: Services = createServices(ports, { typingExpiryMs: 6_000 });
  return { ...ports, broker, services };
}

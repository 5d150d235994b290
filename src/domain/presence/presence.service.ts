import { blockedPeers } from '../blocking/block.rules';
import type { ConversationRepository } from '../conversation/conversation.types';
import { ChatError } from '../errors';
import type { EventPublisher, PresenceType } from '../events';
import { otherParticipant, parseUserId, type UserId } from '../ids';
import { GROUP_LIVE_SIGNALS_MAX_MEMBERS, MAX_PRESENCE_IDS } from '../limits';
import type { PresenceState, PresenceStore } from './presence.types';

/**
 * Online while at least one connection is open on any WS instance. Emits USER_ONLINE/OFFLINE only
 * on real transitions. One privacy rule for both the `presence` query and the `userStatus`
 * subscription: a user's presence is visible only to their contacts (users who share a
 * conversation with them, hidden ones included) and to themselves, never across a block.
 */
export class PresenceService {
  constructor(
    private readonly store: PresenceStore,
    private readonly conversations: ConversationRepository,
    private readonly publisher: EventPublisher,
  ) {}

  async connected(userId: UserId, instanceId: string): Promise<void> {
    if (await this.store.connect(userId, instanceId)) await this.announce(userId, 'USER_ONLINE');
  }

  async disconnected(userId: UserId, instanceId: string): Promise<void> {
    if (await this.store.disconnect(userId, instanceId, new Date())) await this.announce(userId, 'USER_OFFLINE');
  }

  /** Keeps this instance alive and reaps instances that died without closing their sockets. */
  async tick(instanceId: string, ttlMs: number): Promise<void> {
    await this.store.heartbeat(instanceId, ttlMs);
    for (const dead of await this.store.deadInstances()) {
      if (dead !== instanceId) await this.instanceGone(dead);
    }
  }

  /** Drops every connection of an instance (it died, or is shutting down) and announces who went offline. */
  async instanceGone(instanceId: string): Promise<void> {
    for (const userId of await this.store.reap(instanceId, new Date())) await this.announce(userId, 'USER_OFFLINE');
  }

  /**
   * Presence of up to {@link MAX_PRESENCE_IDS} users as `caller` may see it. A stranger (no shared
   * conversation) is answered exactly like a user never seen online, so the answer reveals neither
   * whether they are online nor when they were last seen.
   */
  async lookup(caller: UserId, userIds: unknown): Promise<PresenceState[]> {
    if (!Array.isArray(userIds) || userIds.length > MAX_PRESENCE_IDS) {
      throw ChatError.badInput(`userIds must be a list of at most ${MAX_PRESENCE_IDS} user ids`, 'userIds');
    }
    const ids = [...new Set(userIds.map((id: unknown) => parseUserId(id, 'userIds')))];
    const visible = new Set<UserId>([caller, ...(await this.contactsOf(caller))]);
    const known = new Map(
      (await this.store.lookup(ids.filter((id) => visible.has(id)))).map((state) => [state.userId, state]),
    );
    return ids.map((userId) => known.get(userId) ?? { userId, online: false, lastSeenAt: null });
  }

  private async announce(userId: UserId, type: PresenceType): Promise<void> {
    const audience = await this.contactsOf(userId);
    await this.publisher.publish({ kind: 'USER_STATUS', type, userId, timestamp: new Date().toISOString(), audience });
  }

  /**
   * Everyone who shares a conversation with `userId`: the only users who may see their presence.
   * In groups, only those up to GROUP_LIVE_SIGNALS_MAX_MEMBERS, like receipts and typing: one
   * status change would otherwise be a publish to each of a thousand members.
   */
  private async contactsOf(userId: UserId): Promise<UserId[]> {
    const contacts = new Set<UserId>();
    const conversations = await this.conversations.listAllFor(userId);
    for (const conversation of conversations) {
      if (conversation.kind === 'DIRECT') contacts.add(otherParticipant(conversation.id, userId));
      else if (conversation.participants.length <= GROUP_LIVE_SIGNALS_MAX_MEMBERS)
        for (const member of conversation.participants) if (member !== userId) contacts.add(member);
    }
    // A block either way hides presence both ways, in groups they share too.
    for (const peer of blockedPeers(conversations, userId)) contacts.delete(peer);
    return [...contacts];
  }
}

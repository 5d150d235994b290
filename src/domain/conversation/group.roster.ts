import { ChatError } from '../errors';
import type { ConversationId, UserId } from '../ids';
import type { SystemEvent } from '../message/message.types';
import type { Conversation, MemberRole } from './conversation.types';

/** A change a member asks of a group; admitted or refused against the roster at write time. */
export type GroupChange =
  | { readonly type: 'CREATED'; readonly title: string; readonly memberIds: readonly UserId[] }
  | { readonly type: 'MEMBERS_ADDED'; readonly userIds: readonly UserId[] }
  | { readonly type: 'MEMBER_REMOVED'; readonly userId: UserId }
  | { readonly type: 'MEMBER_LEFT' }
  | { readonly type: 'UPDATED'; readonly title: string }
  | { readonly type: 'ROLE_CHANGED'; readonly userId: UserId; readonly role: MemberRole };

/** Refused because the group already exists: a createGroup retry, answered with the group. */
export class GroupExistsError extends ChatError {
  constructor() {
    super('CONFLICT', 'This group already exists');
  }
}

const canManage = (role: MemberRole | null) => role === 'OWNER' || role === 'ADMIN';

/**
 * A group's members, roles and title, and the rules for changing them. The writer decides every
 * change here under the conversation's lease, in seq order, so two admins acting at once cannot
 * both succeed on a stale roster. Replaying the stored SYSTEM events with {@link apply} rebuilds
 * the roster, which is how a writer that takes over folds in the changes of one that died.
 *
 * Rules: the OWNER and ADMINs add members, rename, and change roles; the OWNER removes anyone,
 * an ADMIN removes MEMBERs; only the OWNER hands over ownership (becoming an ADMIN) or demotes
 * an ADMIN; anyone leaves. When the OWNER leaves, the longest-standing ADMIN (earliest joined)
 * becomes OWNER, else the longest-standing MEMBER.
 */
export class GroupRoster {
  private constructor(
    readonly participants: UserId[],
    readonly roles: Record<string, 'OWNER' | 'ADMIN'>,
    public title: string,
    public memberVersion: number,
    public createdBy: UserId | null,
  ) {}

  static empty(): GroupRoster {
    return new GroupRoster([], {}, '', 0, null);
  }

  static of(conversation: Conversation | null): GroupRoster {
    const group = conversation?.group;
    if (!conversation || !group) return GroupRoster.empty();
    return new GroupRoster(
      [...conversation.participants],
      { ...group.roles },
      group.title,
      group.memberVersion,
      group.createdBy,
    );
  }

  clone(): GroupRoster {
    return new GroupRoster([...this.participants], { ...this.roles }, this.title, this.memberVersion, this.createdBy);
  }

  get exists(): boolean {
    return this.createdBy !== null;
  }

  has(userId: UserId): boolean {
    return this.participants.includes(userId);
  }

  roleOf(userId: UserId): MemberRole | null {
    if (!this.has(userId)) return null;
    return this.roles[userId] ?? 'MEMBER';
  }

  /** Null when `senderId` may post now; else why not. */
  refuseSend(conversationId: ConversationId, senderId: UserId): ChatError | null {
    if (!this.exists) return ChatError.notFound(`There is no conversation ${conversationId}`);
    if (!this.has(senderId)) return ChatError.forbidden('You are not a member of this group');
    return null;
  }

  /** The SYSTEM event `actorId`'s change comes to, or why it is refused. Changes nothing. */
  admit(actorId: UserId, change: GroupChange, maxMembers: number): SystemEvent | ChatError {
    const event = (type: SystemEvent['type'], fields: Partial<SystemEvent> = {}): SystemEvent => ({
      type,
      actorId,
      userIds: [],
      title: null,
      role: null,
      ...fields,
    });
    if (change.type === 'CREATED') {
      if (this.exists) return new GroupExistsError();
      const members = [...new Set([actorId, ...change.memberIds])];
      if (members.length < 2) return ChatError.badInput('A group needs at least one other member', 'memberIds');
      if (members.length > maxMembers) return tooMany(maxMembers);
      return event('CREATED', { userIds: members, title: change.title });
    }
    if (!this.exists) return ChatError.notFound('There is no such group');
    const actorRole = this.roleOf(actorId);
    if (!actorRole) return ChatError.forbidden('You are not a member of this group');
    switch (change.type) {
      case 'MEMBER_LEFT':
        return event('MEMBER_LEFT', { userIds: [actorId] });
      case 'MEMBERS_ADDED': {
        if (!canManage(actorRole)) return ChatError.forbidden('Only the owner and admins add members');
        const added = [...new Set(change.userIds)].filter((userId) => !this.has(userId));
        if (added.length === 0) return ChatError.badInput('Everyone named is already a member', 'userIds');
        if (this.participants.length + added.length > maxMembers) return tooMany(maxMembers);
        return event('MEMBERS_ADDED', { userIds: added });
      }
      case 'MEMBER_REMOVED': {
        const targetRole = this.roleOf(change.userId);
        if (!targetRole) return ChatError.notFound('That user is not a member of this group');
        if (change.userId === actorId) return ChatError.badInput('Use leaveConversation to leave', 'userId');
        if (targetRole === 'OWNER') return ChatError.forbidden('The owner cannot be removed');
        if (!(actorRole === 'OWNER' || (actorRole === 'ADMIN' && targetRole === 'MEMBER')))
          return ChatError.forbidden('Only the owner removes admins; only the owner and admins remove members');
        return event('MEMBER_REMOVED', { userIds: [change.userId] });
      }
      case 'UPDATED':
        if (!canManage(actorRole)) return ChatError.forbidden('Only the owner and admins rename the group');
        return event('UPDATED', { title: change.title });
      case 'ROLE_CHANGED': {
        const targetRole = this.roleOf(change.userId);
        if (!targetRole) return ChatError.notFound('That user is not a member of this group');
        if (!canManage(actorRole)) return ChatError.forbidden('Only the owner and admins change roles');
        if (targetRole === change.role) return ChatError.badInput(`That member already is ${change.role}`, 'role');
        const ownerOnly = change.role === 'OWNER' || targetRole !== 'MEMBER';
        if (ownerOnly && actorRole !== 'OWNER')
          return ChatError.forbidden('Only the owner hands over ownership or changes an admin or the owner');
        if (targetRole === 'OWNER')
          return ChatError.badInput('The owner hands over ownership by making another member OWNER', 'userId');
        return event('ROLE_CHANGED', { userIds: [change.userId], role: change.role });
      }
      default:
        return assertNever(change);
    }
  }

  /** Applies a stored SYSTEM event (admitted earlier, possibly by another writer). */
  apply(event: SystemEvent): void {
    this.memberVersion += event.type === 'UPDATED' || event.type === 'ROLE_CHANGED' ? 0 : 1;
    switch (event.type) {
      case 'CREATED':
        this.createdBy = event.actorId;
        this.title = event.title ?? '';
        this.participants.splice(0, this.participants.length, ...event.userIds);
        this.roles[event.actorId] = 'OWNER';
        return;
      case 'MEMBERS_ADDED':
        for (const userId of event.userIds) if (!this.has(userId)) this.participants.push(userId);
        return;
      case 'MEMBER_REMOVED':
      case 'MEMBER_LEFT':
        for (const userId of event.userIds) this.remove(userId);
        return;
      case 'UPDATED':
        this.title = event.title ?? this.title;
        return;
      case 'ROLE_CHANGED': {
        const [userId] = event.userIds;
        if (!userId || !this.has(userId)) return;
        if (event.role === 'OWNER') {
          for (const [id, role] of Object.entries(this.roles)) if (role === 'OWNER') this.roles[id] = 'ADMIN';
          this.roles[userId] = 'OWNER';
        } else if (event.role === 'ADMIN') this.roles[userId] = 'ADMIN';
        else delete this.roles[userId];
        return;
      }
      default:
        assertNever(event.type);
    }
  }

  private remove(userId: UserId): void {
    const index = this.participants.indexOf(userId);
    if (index === -1) return;
    this.participants.splice(index, 1);
    const wasOwner = this.roles[userId] === 'OWNER';
    delete this.roles[userId];
    if (!wasOwner) return;
    const successor = this.participants.find((id) => this.roles[id] === 'ADMIN') ?? this.participants[0];
    if (successor) this.roles[successor] = 'OWNER';
  }
}

function tooMany(maxMembers: number): ChatError {
  return new ChatError('BAD_USER_INPUT', `A group has at most ${maxMembers} members (MAX_GROUP_MEMBERS)`, {
    field: 'userIds',
    maxMembers,
  });
}

function assertNever(value: never): never {
  throw new Error(`Unhandled group change: ${JSON.stringify(value)}`);
}

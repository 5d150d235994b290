import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { ChatError } from '../errors';
import { groupConversationId, parseUserId, type ConversationId, type UserId } from '../ids';
import { MAX_CLIENT_MESSAGE_ID_LENGTH, MAX_GROUP_TITLE_LENGTH, MAX_MEMBERS_PER_CALL } from '../limits';
import type { MessageWriter } from '../message/message.writer';
import { clampLimit } from '../message/message.rules';
import type { RateLimiter } from '../rate-limit';
import type { UserRepository } from '../user/user.types';
import type { ConversationAccess } from './conversation.access';
import { roleOf, type ConversationRepository, type MemberRole } from './conversation.types';
import type { ConversationView } from './conversation.view';
import type { ConversationService } from './conversation.service';
import { GroupExistsError, type GroupChange } from './group.roster';
import type { MemberCursor, MembershipRepository } from './membership.types';

export interface Member {
  readonly userId: UserId;
  readonly role: MemberRole;
  readonly joinedAt: Date;
}

export interface MemberPage {
  readonly members: readonly Member[];
  readonly hasNextPage: boolean;
  readonly endCursor: string | null;
}

const ROLES: readonly MemberRole[] = ['OWNER', 'ADMIN', 'MEMBER'];
const REQUEST_ID = /^[A-Za-z0-9._:-]+$/;

/**
 * Group conversations: creating them and changing who is in them. Every change goes through the
 * message writer as a SYSTEM message, so it is decided under the conversation's lease against the
 * roster as stored (group.roster.ts), gets a seq (history and resume show it), and is announced
 * as conversationUpdated once stored.
 */
export class GroupService {
  constructor(
    private readonly conversations: ConversationRepository,
    private readonly memberships: MembershipRepository,
    private readonly users: UserRepository,
    private readonly access: ConversationAccess,
    private readonly writer: MessageWriter,
    private readonly conversationService: ConversationService,
    private readonly rateLimiter: RateLimiter,
  ) {}

  /**
   * Creates a group with the caller as OWNER. With `clientRequestId` a retry (same caller, same
   * key) answers the group the first call created instead of creating another: the group's id is
   * derived from the two.
   */
  async create(
    creatorId: UserId,
    input: { title: unknown; memberIds: unknown; clientRequestId?: unknown },
  ): Promise<ConversationView> {
    await this.rateLimiter.consume(creatorId, 'send');
    const title = parseTitle(input.title);
    const memberIds = await this.existingUsers(input.memberIds, 'memberIds');
    const requestId = parseRequestId(input.clientRequestId);
    const conversationId = groupConversationId(
      requestId === null
        ? randomBytes(12).toString('hex')
        : createHash('sha256').update(`${creatorId}\u0000${requestId}`).digest('hex').slice(0, 24),
    );
    try {
      await this.change(
        creatorId,
        conversationId,
        { type: 'CREATED', title, memberIds },
        `create:${requestId ?? randomUUID()}`,
      );
    } catch (error) {
      if (!(error instanceof GroupExistsError)) throw error;
      // A retry: the group exists. It is the caller's if they created it (and still belong to it).
      const existing = await this.conversations.findById(conversationId);
      if (existing?.group?.createdBy !== creatorId) throw error;
    }
    return this.conversationService.get(creatorId, conversationId);
  }

  async addMembers(actorId: UserId, conversationIdInput: unknown, userIds: unknown): Promise<ConversationView> {
    const { conversationId } = await this.member(actorId, conversationIdInput);
    const added = await this.existingUsers(userIds, 'userIds');
    await this.change(actorId, conversationId, { type: 'MEMBERS_ADDED', userIds: added });
    return this.conversationService.get(actorId, conversationId);
  }

  async removeMember(actorId: UserId, conversationIdInput: unknown, userIdInput: unknown): Promise<ConversationView> {
    const { conversationId } = await this.member(actorId, conversationIdInput);
    const userId = parseUserId(userIdInput, 'userId');
    await this.change(actorId, conversationId, { type: 'MEMBER_REMOVED', userId });
    return this.conversationService.get(actorId, conversationId);
  }

  /** Leaves the group (any member); an OWNER who leaves hands over ownership (group.roster.ts). */
  async leave(userId: UserId, conversationIdInput: unknown): Promise<boolean> {
    const { conversationId } = await this.member(userId, conversationIdInput);
    await this.change(userId, conversationId, { type: 'MEMBER_LEFT' });
    return true;
  }

  async rename(actorId: UserId, conversationIdInput: unknown, titleInput: unknown): Promise<ConversationView> {
    const { conversationId } = await this.member(actorId, conversationIdInput);
    await this.change(actorId, conversationId, { type: 'UPDATED', title: parseTitle(titleInput) });
    return this.conversationService.get(actorId, conversationId);
  }

  async setRole(
    actorId: UserId,
    conversationIdInput: unknown,
    userIdInput: unknown,
    roleInput: unknown,
  ): Promise<ConversationView> {
    const { conversationId } = await this.member(actorId, conversationIdInput);
    const userId = parseUserId(userIdInput, 'userId');
    if (!ROLES.includes(roleInput as MemberRole))
      throw ChatError.badInput('role must be OWNER, ADMIN or MEMBER', 'role');
    await this.change(actorId, conversationId, { type: 'ROLE_CHANGED', userId, role: roleInput as MemberRole });
    return this.conversationService.get(actorId, conversationId);
  }

  /**
   * A page of members in join order, for members of the conversation only. A DIRECT
   * conversation's two people are its members.
   */
  async members(viewerId: UserId, conversationIdInput: unknown, first: unknown, after: unknown): Promise<MemberPage> {
    const limit = clampLimit(first, 'first');
    const resolved = await this.access.resolve(viewerId, { conversationId: conversationIdInput });
    if (resolved.kind === 'DIRECT') {
      const conversation = await this.conversations.findById(resolved.conversationId);
      const joinedAt = conversation?.lastActivityAt ?? new Date(0);
      const members = [viewerId, resolved.otherId]
        .sort()
        .map((userId) => ({ userId, role: 'MEMBER' as const, joinedAt }));
      return { members, hasNextPage: false, endCursor: null };
    }
    const { conversation } = resolved;
    const records = await this.memberships.page(conversation.id, decodeMemberCursor(after), limit + 1);
    // A record of someone no longer in the roster (a removal a writer has not finished) is not a member.
    const page = records.filter((record) => conversation.participants.includes(record.userId)).slice(0, limit);
    const last = page.at(-1);
    return {
      members: page.map((record) => ({
        userId: record.userId,
        role: roleOf(conversation, record.userId) ?? 'MEMBER',
        joinedAt: record.joinedAt,
      })),
      hasNextPage: records.length > limit,
      endCursor: last ? encodeMemberCursor({ joinedSeq: last.joinedSeq, userId: last.userId }) : null,
    };
  }

  /** The caller must be a member now (the writer checks again, under the lease, what they may do). */
  private async member(actorId: UserId, conversationIdInput: unknown): Promise<{ conversationId: ConversationId }> {
    const resolved = await this.access.resolve(actorId, { conversationId: conversationIdInput });
    if (resolved.kind !== 'GROUP')
      throw ChatError.badInput('This is a DIRECT conversation; only groups have members to change', 'conversationId');
    return { conversationId: resolved.conversationId };
  }

  private async change(
    actorId: UserId,
    conversationId: ConversationId,
    change: GroupChange,
    clientMessageId: string = randomUUID(),
  ) {
    if (change.type !== 'CREATED') await this.rateLimiter.consume(actorId, 'send');
    await this.writer.submit({
      conversationId,
      participants: null,
      senderId: actorId,
      change,
      outgoing: {
        receiverId: null,
        message: change.type,
        messageType: 'system',
        attachmentUrl: null,
        clientMessageId,
        systemEvent: null,
        replyToId: null,
        mentions: [],
        attachments: [],
      },
    });
  }

  /** Distinct, well-formed ids of users that exist; NOT_FOUND naming the first that does not. */
  private async existingUsers(value: unknown, field: string): Promise<UserId[]> {
    if (!Array.isArray(value) || value.length === 0 || value.length > MAX_MEMBERS_PER_CALL) {
      throw ChatError.badInput(`${field} must list 1 to ${MAX_MEMBERS_PER_CALL} user ids`, field);
    }
    const ids = [...new Set(value.map((id: unknown) => parseUserId(id, field)))];
    const found = new Set((await this.users.findByIds(ids)).map((user) => user.id));
    const missing = ids.find((id) => !found.has(id));
    if (missing) throw new ChatError('NOT_FOUND', `No user ${missing} exists`, { field });
    return ids;
  }
}

function parseTitle(value: unknown): string {
  if (typeof value !== 'string' || value.trim().length === 0)
    throw ChatError.badInput('title must not be empty', 'title');
  const title = value.trim();
  if ([...title].length > MAX_GROUP_TITLE_LENGTH)
    throw ChatError.badInput(`title must be at most ${MAX_GROUP_TITLE_LENGTH} characters`, 'title');
  return title;
}

function parseRequestId(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || !REQUEST_ID.test(value) || value.length > MAX_CLIENT_MESSAGE_ID_LENGTH - 7) {
    throw ChatError.badInput(
      `clientRequestId must be 1-${MAX_CLIENT_MESSAGE_ID_LENGTH - 7} characters of letters, digits, '.', '_', ':' or '-'`,
      'clientRequestId',
    );
  }
  return value;
}

function encodeMemberCursor(cursor: MemberCursor): string {
  return Buffer.from(`${cursor.joinedSeq}:${cursor.userId}`).toString('base64url');
}

function decodeMemberCursor(value: unknown): MemberCursor | null {
  if (value === undefined || value === null) return null;
  const [seq, userId] = typeof value === 'string' ? Buffer.from(value, 'base64url').toString().split(':') : [];
  const joinedSeq = Number(seq);
  if (!Number.isInteger(joinedSeq) || joinedSeq < 0 || userId === undefined)
    throw ChatError.badInput('after is not a member cursor', 'after');
  return { joinedSeq, userId: parseUserId(userId, 'after') };
}

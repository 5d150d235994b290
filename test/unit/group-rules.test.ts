import { ChatError } from '../../src/domain/errors';
import { GroupRoster } from '../../src/domain/conversation/group.roster';
import { MAX_KEPT_DELETIONS } from '../../src/domain/conversation/unread';
import type { ConversationId, UserId } from '../../src/domain/ids';
import type { SystemEvent } from '../../src/domain/message/message.types';
import { FRESH_MESSAGE_FIELDS, inMemoryDomain } from '../fakes/in-memory-ports';

const [owner, ann, ben, cat] = ['o', 'a', 'b', 'c'].map((letter) => letter.repeat(24) as UserId) as [
  UserId,
  UserId,
  UserId,
  UserId,
];

/** A roster built the way a writer builds it: by admitting changes and applying what they come to. */
function rosterOf(...steps: Array<[UserId, Parameters<GroupRoster['admit']>[1]]>): GroupRoster {
  const roster = GroupRoster.empty();
  for (const [actor, change] of steps) {
    const event = roster.admit(actor, change, 10);
    if (event instanceof ChatError) throw event;
    roster.apply(event);
  }
  return roster;
}

const refusal = (roster: GroupRoster, actor: UserId, change: Parameters<GroupRoster['admit']>[1]) => {
  const result = roster.admit(actor, change, 10);
  return result instanceof ChatError ? result.code : 'ADMITTED';
};

describe('group roster rules', () => {
  const created = (): GroupRoster => rosterOf([owner, { type: 'CREATED', title: 'T', memberIds: [ann, ben, cat] }]);

  it('lets the OWNER and ADMINs manage, MEMBERs only leave', () => {
    const roster = created();
    expect(roster.roleOf(owner)).toBe('OWNER');
    expect(refusal(roster, ann, { type: 'UPDATED', title: 'x' })).toBe('FORBIDDEN');
    expect(refusal(roster, ann, { type: 'MEMBER_REMOVED', userId: ben })).toBe('FORBIDDEN');
    expect(refusal(roster, ann, { type: 'ROLE_CHANGED', userId: ann, role: 'ADMIN' })).toBe('FORBIDDEN');
    expect(refusal(roster, ann, { type: 'MEMBER_LEFT' })).toBe('ADMITTED');
    roster.apply(roster.admit(owner, { type: 'ROLE_CHANGED', userId: ann, role: 'ADMIN' }, 10) as SystemEvent);
    expect(refusal(roster, ann, { type: 'UPDATED', title: 'x' })).toBe('ADMITTED');
    expect(refusal(roster, ann, { type: 'MEMBER_REMOVED', userId: ben })).toBe('ADMITTED');
    expect(refusal(roster, ann, { type: 'ROLE_CHANGED', userId: ben, role: 'ADMIN' })).toBe('ADMITTED');
    // An ADMIN cannot touch the OWNER or hand over ownership.
    expect(refusal(roster, ann, { type: 'MEMBER_REMOVED', userId: owner })).toBe('FORBIDDEN');
    expect(refusal(roster, ann, { type: 'ROLE_CHANGED', userId: ann, role: 'OWNER' })).toBe('FORBIDDEN');
    // A stranger nothing; a group that does not exist is NOT_FOUND.
    expect(refusal(roster, 'f'.repeat(24) as UserId, { type: 'MEMBER_LEFT' })).toBe('FORBIDDEN');
    expect(refusal(GroupRoster.empty(), owner, { type: 'MEMBER_LEFT' })).toBe('NOT_FOUND');
  });

  it('hands ownership to the longest-standing ADMIN, else the longest-standing MEMBER', () => {
    const roster = created();
    roster.apply(roster.admit(owner, { type: 'ROLE_CHANGED', userId: cat, role: 'ADMIN' }, 10) as SystemEvent);
    roster.apply(roster.admit(owner, { type: 'MEMBER_LEFT' }, 10) as SystemEvent);
    expect([roster.roleOf(ann), roster.roleOf(ben), roster.roleOf(cat)]).toEqual(['MEMBER', 'MEMBER', 'OWNER']);
    roster.apply(roster.admit(cat, { type: 'MEMBER_LEFT' }, 10) as SystemEvent);
    expect([roster.roleOf(ann), roster.roleOf(ben)]).toEqual(['OWNER', 'MEMBER']);
  });

  it('hands over ownership explicitly: the old OWNER becomes an ADMIN', () => {
    const roster = created();
    roster.apply(roster.admit(owner, { type: 'ROLE_CHANGED', userId: ben, role: 'OWNER' }, 10) as SystemEvent);
    expect([roster.roleOf(owner), roster.roleOf(ben)]).toEqual(['ADMIN', 'OWNER']);
  });

  it('counts membership changes (what feeds check), not renames or role changes', () => {
    const roster = created();
    const before = roster.memberVersion;
    roster.apply(roster.admit(owner, { type: 'UPDATED', title: 'New' }, 10) as SystemEvent);
    roster.apply(roster.admit(owner, { type: 'ROLE_CHANGED', userId: ann, role: 'ADMIN' }, 10) as SystemEvent);
    expect(roster.memberVersion).toBe(before);
    roster.apply(roster.admit(owner, { type: 'MEMBER_REMOVED', userId: ben }, 10) as SystemEvent);
    expect(roster.memberVersion).toBe(before + 1);
  });

  it('refuses a group over the size limit and additions past it', () => {
    const big = GroupRoster.empty().admit(owner, { type: 'CREATED', title: 'T', memberIds: [ann, ben, cat] }, 3);
    expect(big).toBeInstanceOf(ChatError);
    const roster = rosterOf([owner, { type: 'CREATED', title: 'T', memberIds: [ann, ben] }]);
    expect(roster.admit(owner, { type: 'MEMBERS_ADDED', userIds: [cat] }, 3)).toMatchObject({
      code: 'BAD_USER_INPUT',
      details: { maxMembers: 3 },
    });
  });
});

describe('group unread counts (service layer over in-memory ports)', () => {
  async function group() {
    const domain = inMemoryDomain();
    const [a, b, c] = ['Ann', 'Ben', 'Cat'].map((name) => domain.users.add(name)) as [UserId, UserId, UserId];
    const view = await domain.services.groups.create(a, { title: 'T', memberIds: [b, c] });
    const id = view.conversationId as ConversationId;
    const send = (from: UserId, text: string) =>
      domain.services.messages.send(from, { conversationId: id, message: text });
    const unread = async (user: UserId) => (await domain.services.conversations.get(user, id)).unreadCount;
    return { ...domain, a, b, c, id, send, unread };
  }

  it(`stays exact when more than ${MAX_KEPT_DELETIONS} unread messages are deleted (the count fallback)`, async () => {
    const { a, b, c, send, unread, services, conversations, id } = await group();
    await services.conversations.markConversationRead(c, { conversationId: id });
    const sent = [];
    for (let i = 0; i < MAX_KEPT_DELETIONS + 30; i += 1) sent.push(await send(i % 2 ? a : b, `m${i}`));
    expect(await unread(c)).toBe(MAX_KEPT_DELETIONS + 30);
    for (const message of sent.slice(0, MAX_KEPT_DELETIONS + 10))
      await services.changes.delete(message.senderId, message.id);
    const stored = await conversations.findById(id);
    // The group document kept only the newest deletions; Cat's mark is older than what it dropped.
    expect(stored!.group!.deletions).toHaveLength(MAX_KEPT_DELETIONS);
    expect(stored!.group!.deletionsFloor).toBeGreaterThan(0);
    expect(await unread(c)).toBe(20);
    expect(await services.conversations.unreadCount(c)).toBe(20);
  });

  it('folds a stalled writer’s SYSTEM message into the roster and member records', async () => {
    const { a, b, id, messages, memberships, send, unread, conversations } = await group();
    const dan = 'd'.repeat(24) as UserId;
    // A writer stored "Dan added" at the next seq and froze before recording it anywhere.
    const stored = (await conversations.findById(id))!;
    const now = new Date();
    messages.stored.push({
      ...FRESH_MESSAGE_FIELDS,
      id: 'e'.repeat(24),
      conversationId: id,
      seq: stored.lastSeq + 1,
      senderId: a,
      receiverId: null,
      message: 'Added 1 member',
      messageType: 'system',
      attachmentUrl: null,
      clientMessageId: 'frozen-add',
      systemEvent: { type: 'MEMBERS_ADDED', actorId: a, userIds: [dan], title: null, role: null },
      tally: stored.group!.tally,
      isRead: false,
      readAt: null,
      deletedAt: null,
      createdAt: now,
      updatedAt: now,
    });
    // The next send folds it in: Dan is a member, with a record from the join on.
    await send(b, 'after the stall');
    expect((await conversations.findById(id))!.participants).toContain(dan);
    expect(await memberships.find(id, dan)).toMatchObject({ joinedSeq: stored.lastSeq + 1 });
    expect(await unread(dan)).toBe(1);
  });
});

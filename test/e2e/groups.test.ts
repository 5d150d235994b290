import {
  AddMembersDocument,
  ChatHistoryDocument,
  ConversationDocument,
  ConversationMembersDocument,
  ConversationsDocument,
  ConversationUpdatedDocument,
  CreateGroupDocument,
  DeleteConversationDocument,
  DeleteMessageDocument,
  LeaveConversationDocument,
  MarkAsReadDocument,
  MarkConversationReadDocument,
  MessageReceiptsDocument,
  MessagesDocument,
  MessagesReadDocument,
  NewMessageDocument,
  RemoveMemberDocument,
  SearchMessagesDocument,
  SendMessageDocument,
  SetMemberRoleDocument,
  SetTypingDocument,
  TypingDocument,
  UnreadCountDocument,
  UpdateConversationDocument,
  type MessageFieldsFragment,
} from '../../src/client/graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { graphqlHttp, graphqlOk, SubscriptionProbe, waitForSubscriptions, wsClient } from '../helpers/clients';
import { useTestSystem } from '../helpers/system';
import { createUsers, type TestUser } from '../helpers/users';

const MAX_GROUP_MEMBERS = 6;

describe('group conversations', () => {
  const env = useTestSystem({ wsInstances: 2, apiInstances: 2, env: { MAX_GROUP_MEMBERS: String(MAX_GROUP_MEMBERS) } });
  const api = () => env.system.api;

  async function createGroup(owner: TestUser, members: TestUser[], title = 'Team', clientRequestId?: string) {
    return (
      await graphqlOk(
        api(),
        CreateGroupDocument,
        { input: { title, memberIds: members.map((member) => member.id), clientRequestId } },
        owner.token,
      )
    ).createGroup;
  }

  async function send(from: TestUser, conversationId: string, message: string, apiIndex = 0) {
    return (
      await graphqlOk(
        env.system.apis[apiIndex]!,
        SendMessageDocument,
        { input: { conversationId, message } },
        from.token,
      )
    ).sendMessage;
  }

  async function unreadOf(user: TestUser, conversationId: string) {
    const [one, total] = await Promise.all([
      graphqlOk(api(), ConversationDocument, { conversationId }, user.token),
      graphqlOk(api(), UnreadCountDocument, {}, user.token),
    ]);
    return { conversation: one.conversation.unreadCount, total: total.unreadCount };
  }

  /** The `extensions.code` of the first error, or 'OK'. */
  async function codeOf<TData, TVariables>(
    document: TypedDocumentNode<TData, TVariables>,
    variables: TVariables,
    user: TestUser,
  ): Promise<string> {
    const { body } = await graphqlHttp(api(), document, variables, user.token);
    return String(body.errors?.[0]?.extensions?.['code'] ?? 'OK');
  }

  const sockets: Array<ReturnType<typeof wsClient>> = [];
  const connect = (server: { readonly url: string }, user: TestUser) => {
    const socket = wsClient(server, { token: user.token });
    sockets.push(socket);
    return socket;
  };
  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((socket) => socket.dispose()));
  });

  it('delivers every message once to each member device across two WS instances, with exact unread counts', async () => {
    const users = (await createUsers(env.stores, 'Ann', 'Ben', 'Cat', 'Dan', 'Eve')) as TestUser[];
    const [ann, ben, cat, dan, eve] = users as [TestUser, TestUser, TestUser, TestUser, TestUser];
    const group = await createGroup(ann, [ben, cat, dan, eve]);
    expect(group).toMatchObject({
      kind: 'GROUP',
      title: 'Team',
      memberCount: 5,
      viewerRole: 'OWNER',
      otherUserId: null,
    });
    expect(group.conversationId).toMatch(/^g_[0-9a-f]{24}$/);

    // Every member on two devices, one on each WS instance, subscribed to all their conversations.
    const [ws1, ws2] = env.system.ws as [(typeof env.system.ws)[0], (typeof env.system.ws)[0]];
    const devices = users.flatMap((user) => [connect(ws1, user), connect(ws2, user)]);
    const inboxes = devices.map((socket) => new SubscriptionProbe(socket, NewMessageDocument, {}));
    await Promise.all([waitForSubscriptions(ws1, 5), waitForSubscriptions(ws2, 5)]);

    const sent: MessageFieldsFragment[] = [];
    for (const [index, from] of [ann, ben, cat, ann].entries())
      sent.push(await send(from, group.conversationId, `hello ${index}`, index % 2));
    for (const inbox of inboxes) {
      const got = [];
      for (let i = 0; i < sent.length; i += 1) got.push((await inbox.next()).data!.newMessage.id);
      expect(got.sort()).toEqual(sent.map((message) => message.id).sort());
    }
    expect(sent[0]).toMatchObject({ receiverId: null, messageType: 'TEXT', conversationId: group.conversationId });

    // Unread: what others sent after one's read mark. Sending reads the conversation up to one's
    // own message (as in Slack or WhatsApp), so Ann, who spoke last, has nothing unread.
    expect(await unreadOf(ann, group.conversationId)).toEqual({ conversation: 0, total: 0 });
    expect(await unreadOf(ben, group.conversationId)).toEqual({ conversation: 2, total: 2 });
    expect(await unreadOf(cat, group.conversationId)).toEqual({ conversation: 1, total: 1 });
    expect(await unreadOf(dan, group.conversationId)).toEqual({ conversation: 4, total: 4 });

    // Dan reads up to the second message on one device...
    await graphqlOk(
      env.system.apis[0]!,
      MarkAsReadDocument,
      { conversationId: group.conversationId, messageIds: [sent[1]!.id] },
      dan.token,
    );
    expect(await unreadOf(dan, group.conversationId)).toEqual({ conversation: 2, total: 2 });
    // ...and a slower device reports an older message read: the mark does not move back.
    await graphqlOk(
      env.system.apis[1]!,
      MarkAsReadDocument,
      { conversationId: group.conversationId, messageIds: [sent[0]!.id] },
      dan.token,
    );
    expect(await unreadOf(dan, group.conversationId)).toEqual({ conversation: 2, total: 2 });

    // Cat deletes hers (unread for Ben, Dan, Eve), Ann her last (unread for all but her).
    await graphqlOk(api(), DeleteMessageDocument, { messageId: sent[2]!.id }, cat.token);
    await graphqlOk(api(), DeleteMessageDocument, { messageId: sent[3]!.id }, ann.token);
    expect(await unreadOf(ben, group.conversationId)).toEqual({ conversation: 0, total: 0 });
    expect(await unreadOf(cat, group.conversationId)).toEqual({ conversation: 0, total: 0 });
    expect(await unreadOf(dan, group.conversationId)).toEqual({ conversation: 0, total: 0 });
    expect(await unreadOf(eve, group.conversationId)).toEqual({ conversation: 2, total: 2 });
    // The preview falls back to the newest message left.
    expect((await unreadOf(eve, group.conversationId)).conversation).toBe(2);
    const eveView = (await graphqlOk(api(), ConversationDocument, { conversationId: group.conversationId }, eve.token))
      .conversation;
    expect(eveView.lastMessage).toBe('hello 1');

    expect(
      await graphqlOk(api(), MarkConversationReadDocument, { conversationId: group.conversationId }, eve.token),
    ).toEqual({ markConversationRead: 2 });
    expect(await unreadOf(eve, group.conversationId)).toEqual({ conversation: 0, total: 0 });

    // Ben hides the group: gone from his list, unread 0; a new message brings it back with 1.
    await graphqlOk(api(), DeleteConversationDocument, { conversationId: group.conversationId }, ben.token);
    const listed = async (user: TestUser) =>
      (await graphqlOk(api(), ConversationsDocument, {}, user.token)).conversations.map((c) => c.conversationId);
    expect(await listed(ben)).not.toContain(group.conversationId);
    expect(await unreadOf(ben, group.conversationId)).toEqual({ conversation: 0, total: 0 });
    await send(cat, group.conversationId, 'back again');
    expect(await listed(ben)).toContain(group.conversationId);
    expect(await unreadOf(ben, group.conversationId)).toEqual({ conversation: 1, total: 1 });
    // What he hid stays hidden.
    const history = await graphqlOk(api(), MessagesDocument, { conversationId: group.conversationId }, ben.token);
    expect(history.messages.nodes.map((message) => message.message)).toEqual(['back again']);
  });

  it('keeps unread counts exact under concurrent sends through two API instances and reads on two devices', async () => {
    const [ann, ben, cat] = (await createUsers(env.stores, 'Ann', 'Ben', 'Cat')) as [TestUser, TestUser, TestUser];
    const group = await createGroup(ann, [ben, cat]);
    const rounds = 3;
    for (let round = 0; round < rounds; round += 1) {
      await Promise.all([
        ...Array.from({ length: 6 }, (_, i) => send(ann, group.conversationId, `a${round}.${i}`, i % 2)),
        ...Array.from({ length: 6 }, (_, i) => send(ben, group.conversationId, `b${round}.${i}`, (i + 1) % 2)),
        // Cat reads on two devices while the messages arrive.
        graphqlOk(
          env.system.apis[0]!,
          MarkConversationReadDocument,
          { conversationId: group.conversationId },
          cat.token,
        ),
        graphqlOk(
          env.system.apis[1]!,
          MarkConversationReadDocument,
          { conversationId: group.conversationId },
          cat.token,
        ),
      ]);
    }
    // Whatever the interleaving, what a member has not read is exactly the others' messages after their mark.
    const all = (
      await graphqlOk(api(), MessagesDocument, { conversationId: group.conversationId, first: 100 }, ann.token)
    ).messages.nodes;
    for (const user of [ann, ben, cat]) {
      const view = (await graphqlOk(api(), ConversationDocument, { conversationId: group.conversationId }, user.token))
        .conversation;
      const expected = all.filter(
        (message) => message.messageType !== 'SYSTEM' && message.senderId !== user.id && message.seq > view.readSeq,
      ).length;
      expect({ user: user.name, unread: view.unreadCount }).toEqual({ user: user.name, unread: expected });
    }
    expect(all.filter((message) => message.messageType !== 'SYSTEM')).toHaveLength(rounds * 12);
    // Marks only move forward: each sender has read up to their own last message at least, and a
    // read now leaves nothing unread whatever raced before it.
    for (const sender of [ann, ben]) {
      const view = (
        await graphqlOk(api(), ConversationDocument, { conversationId: group.conversationId }, sender.token)
      ).conversation;
      const lastOwn = Math.max(
        ...all.filter((message) => message.senderId === sender.id).map((message) => message.seq),
      );
      expect(view.readSeq).toBeGreaterThanOrEqual(lastOwn);
    }
    await graphqlOk(api(), MarkConversationReadDocument, { conversationId: group.conversationId }, cat.token);
    expect(await unreadOf(cat, group.conversationId)).toEqual({ conversation: 0, total: 0 });
  });

  it('stops a removed member at once: no later event on either WS instance, conversationUpdated, then FORBIDDEN', async () => {
    const [ann, ben, cat] = (await createUsers(env.stores, 'Ann', 'Ben', 'Cat')) as [TestUser, TestUser, TestUser];
    const group = await createGroup(ann, [ben, cat]);
    const [ws1, ws2] = env.system.ws as [(typeof env.system.ws)[0], (typeof env.system.ws)[0]];
    const catSockets = [connect(ws1, cat), connect(ws2, cat)];
    const catAll = catSockets.map((socket) => new SubscriptionProbe(socket, NewMessageDocument, {}));
    const catOne = catSockets.map(
      (socket) => new SubscriptionProbe(socket, NewMessageDocument, { conversationId: group.conversationId }),
    );
    const catUpdates = new SubscriptionProbe(catSockets[0]!, ConversationUpdatedDocument, {});
    const benSocket = connect(ws2, ben);
    const benInbox = new SubscriptionProbe(benSocket, NewMessageDocument, {});
    await Promise.all([waitForSubscriptions(ws1, 2), waitForSubscriptions(ws2, 3)]);

    const before = await send(ben, group.conversationId, 'before');
    for (const inbox of [...catAll, ...catOne]) expect((await inbox.next()).data!.newMessage.id).toBe(before.id);
    expect((await benInbox.next()).data!.newMessage.id).toBe(before.id);

    await graphqlOk(api(), RemoveMemberDocument, { conversationId: group.conversationId, userId: cat.id }, ann.token);
    const update = (await catUpdates.next()).data!.conversationUpdated;
    expect(update).toMatchObject({
      conversationId: group.conversationId,
      type: 'MEMBER_REMOVED',
      actorId: ann.id,
      userIds: [cat.id],
    });

    const after = await send(ben, group.conversationId, 'after');
    // Ben sees the removal's SYSTEM message and the new one; Cat's feeds see neither.
    expect((await benInbox.next()).data!.newMessage).toMatchObject({
      messageType: 'SYSTEM',
      systemEvent: { type: 'MEMBER_REMOVED' },
    });
    expect((await benInbox.next()).data!.newMessage.id).toBe(after.id);
    for (const inbox of catAll) await expect(inbox.next(500)).rejects.toThrow(/no subscription event/);
    for (const inbox of catOne) await expect(inbox.next(500)).rejects.toThrow(/completed/);

    expect(await codeOf(MessagesDocument, { conversationId: group.conversationId }, cat)).toBe('FORBIDDEN');
    expect(await codeOf(ChatHistoryDocument, { conversationId: group.conversationId }, cat)).toBe('FORBIDDEN');
    expect(
      await codeOf(SendMessageDocument, { input: { conversationId: group.conversationId, message: 'hi' } }, cat),
    ).toBe('FORBIDDEN');
    expect(await codeOf(SetTypingDocument, { conversationId: group.conversationId, isTyping: true }, cat)).toBe(
      'FORBIDDEN',
    );
    expect(await codeOf(SearchMessagesDocument, { query: 'after', conversationId: group.conversationId }, cat)).toBe(
      'FORBIDDEN',
    );
    expect(await codeOf(MarkConversationReadDocument, { conversationId: group.conversationId }, cat)).toBe('FORBIDDEN');
    // ...and a new subscription to it is refused.
    const late = new SubscriptionProbe(catSockets[1]!, NewMessageDocument, { conversationId: group.conversationId });
    expect((await late.next()).errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    expect(
      (await graphqlOk(api(), ConversationsDocument, {}, cat.token)).conversations.map((c) => c.conversationId),
    ).not.toContain(group.conversationId);
  });

  it('shows a new member the conversation from their join on, also to a resume from an older cursor', async () => {
    const [ann, ben, dan] = (await createUsers(env.stores, 'Ann', 'Ben', 'Dan')) as [TestUser, TestUser, TestUser];
    const group = await createGroup(ann, [ben]);
    const secret = await send(ben, group.conversationId, 'before Dan');
    const danSocket = connect(env.system.ws[0]!, dan);
    const danUpdates = new SubscriptionProbe(danSocket, ConversationUpdatedDocument, {});
    const danAll = new SubscriptionProbe(danSocket, NewMessageDocument, {});
    await waitForSubscriptions(env.system.ws[0]!, 2);

    await graphqlOk(api(), AddMembersDocument, { conversationId: group.conversationId, userIds: [dan.id] }, ann.token);
    expect((await danUpdates.next()).data!.conversationUpdated).toMatchObject({
      type: 'MEMBERS_ADDED',
      userIds: [dan.id],
    });
    // Dan's all-conversations feed picked the group up; wait until a message proves it.
    const welcome = await send(ann, group.conversationId, 'welcome Dan');
    const live: string[] = [];
    for (;;) {
      const message = (await danAll.next()).data!.newMessage;
      live.push(message.message);
      if (message.id === welcome.id) break;
    }
    expect(live).not.toContain('before Dan');

    const page = await graphqlOk(api(), MessagesDocument, { conversationId: group.conversationId }, dan.token);
    expect(
      page.messages.nodes.map((message) =>
        message.messageType === 'SYSTEM' ? message.systemEvent!.type : message.message,
      ),
    ).toEqual(['MEMBERS_ADDED', 'welcome Dan']);
    expect(page.messages.pageInfo.hasPreviousPage).toBe(false);
    // A cursor from before he joined (Ben's) replays only what he may see.
    const resumed = await graphqlOk(
      api(),
      MessagesDocument,
      { conversationId: group.conversationId, after: secret.cursor },
      dan.token,
    );
    expect(resumed.messages.nodes.map((message) => message.id)).not.toContain(secret.id);
    const replay = new SubscriptionProbe(danSocket, NewMessageDocument, {
      conversationId: group.conversationId,
      after: secret.cursor,
    });
    const replayed = [(await replay.next()).data!.newMessage, (await replay.next()).data!.newMessage];
    expect(replayed.map((message) => message.id)).toEqual(page.messages.nodes.map((message) => message.id));
    expect(await unreadOf(dan, group.conversationId)).toEqual({ conversation: 1, total: 1 });
    const search = await graphqlOk(
      api(),
      SearchMessagesDocument,
      { query: 'before', conversationId: group.conversationId },
      dan.token,
    );
    expect(search.searchMessages).toEqual([]);
  });

  it('enforces roles, hands over ownership when the owner leaves, and records every change as a SYSTEM message', async () => {
    const [ann, ben, cat, dan] = (await createUsers(env.stores, 'Ann', 'Ben', 'Cat', 'Dan')) as [
      TestUser,
      TestUser,
      TestUser,
      TestUser,
    ];
    const group = await createGroup(ann, [ben, cat]);
    const id = group.conversationId;
    // A MEMBER may do none of it.
    expect(await codeOf(AddMembersDocument, { conversationId: id, userIds: [dan.id] }, cat)).toBe('FORBIDDEN');
    expect(await codeOf(RemoveMemberDocument, { conversationId: id, userId: ben.id }, cat)).toBe('FORBIDDEN');
    expect(await codeOf(UpdateConversationDocument, { conversationId: id, title: 'Mine' }, cat)).toBe('FORBIDDEN');
    expect(await codeOf(SetMemberRoleDocument, { conversationId: id, userId: cat.id, role: 'ADMIN' }, cat)).toBe(
      'FORBIDDEN',
    );
    // A stranger gets FORBIDDEN too, and a made-up group NOT_FOUND.
    expect(await codeOf(UpdateConversationDocument, { conversationId: id, title: 'x' }, dan)).toBe('FORBIDDEN');
    expect(await codeOf(LeaveConversationDocument, { conversationId: `g_${'0'.repeat(24)}` }, dan)).toBe('NOT_FOUND');

    // The owner makes Cat an ADMIN; Cat may then add and rename, but not remove Ann or demote Ben's role above hers.
    await graphqlOk(api(), SetMemberRoleDocument, { conversationId: id, userId: cat.id, role: 'ADMIN' }, ann.token);
    await graphqlOk(api(), AddMembersDocument, { conversationId: id, userIds: [dan.id] }, cat.token);
    const renamed = await graphqlOk(
      api(),
      UpdateConversationDocument,
      { conversationId: id, title: 'Renamed' },
      cat.token,
    );
    expect(renamed.updateConversation).toMatchObject({ title: 'Renamed', memberCount: 4, viewerRole: 'ADMIN' });
    expect(await codeOf(RemoveMemberDocument, { conversationId: id, userId: ann.id }, cat)).toBe('FORBIDDEN');
    expect(await codeOf(SetMemberRoleDocument, { conversationId: id, userId: cat.id, role: 'OWNER' }, cat)).toBe(
      'FORBIDDEN',
    );

    // Ann (OWNER) leaves: Cat, the longest-standing ADMIN, becomes OWNER (not Ben, who joined first).
    expect(await graphqlOk(api(), LeaveConversationDocument, { conversationId: id }, ann.token)).toEqual({
      leaveConversation: true,
    });
    const members = await graphqlOk(api(), ConversationMembersDocument, { conversationId: id }, ben.token);
    expect(members.conversation.members.nodes.map((member) => [member.user?.name, member.role])).toEqual([
      ['Ben', 'MEMBER'],
      ['Cat', 'OWNER'],
      ['Dan', 'MEMBER'],
    ]);
    expect(await codeOf(ConversationDocument, { conversationId: id }, ann)).toBe('FORBIDDEN');

    // Cat leaves too: no ADMIN is left, so Ben, the longest-standing MEMBER, becomes OWNER.
    await graphqlOk(api(), LeaveConversationDocument, { conversationId: id }, cat.token);
    const view = (await graphqlOk(api(), ConversationDocument, { conversationId: id }, ben.token)).conversation;
    expect(view).toMatchObject({ viewerRole: 'OWNER', memberCount: 2 });

    const history = (await graphqlOk(api(), MessagesDocument, { conversationId: id }, ben.token)).messages.nodes;
    expect(history.map((message) => [message.messageType, message.systemEvent?.type])).toEqual([
      ['SYSTEM', 'CREATED'],
      ['SYSTEM', 'ROLE_CHANGED'],
      ['SYSTEM', 'MEMBERS_ADDED'],
      ['SYSTEM', 'UPDATED'],
      ['SYSTEM', 'MEMBER_LEFT'],
      ['SYSTEM', 'MEMBER_LEFT'],
    ]);
    // SYSTEM messages never count as unread.
    expect(view.unreadCount).toBe(0);
    // Members pages follow join order, by cursor.
    const first = await graphqlOk(api(), ConversationMembersDocument, { conversationId: id, first: 1 }, ben.token);
    expect(first.conversation.members.pageInfo.hasNextPage).toBe(true);
    const second = await graphqlOk(
      api(),
      ConversationMembersDocument,
      { conversationId: id, first: 1, after: first.conversation.members.pageInfo.endCursor },
      ben.token,
    );
    expect([...first.conversation.members.nodes, ...second.conversation.members.nodes].map((m) => m.userId)).toEqual([
      ben.id,
      dan.id,
    ]);
  });

  it('answers a createGroup retry with the same group, and refuses a group over MAX_GROUP_MEMBERS', async () => {
    const users = (await createUsers(env.stores, 'A', 'B', 'C', 'D', 'E', 'F', 'G')) as TestUser[];
    const [owner, ...others] = users as [TestUser, ...TestUser[]];
    const [first, retry] = await Promise.all([
      createGroup(owner, others.slice(0, 2), 'Once', 'req-1'),
      createGroup(owner, others.slice(0, 2), 'Once', 'req-1'),
    ]);
    expect(retry.conversationId).toBe(first.conversationId);
    const again = await createGroup(owner, others.slice(0, 2), 'Once', 'req-1');
    expect(again.conversationId).toBe(first.conversationId);
    const history = await graphqlOk(api(), MessagesDocument, { conversationId: first.conversationId }, owner.token);
    expect(history.messages.nodes.filter((message) => message.systemEvent?.type === 'CREATED')).toHaveLength(1);
    // Another user's same key is another group.
    const theirs = await createGroup(others[0]!, [owner], 'Theirs', 'req-1');
    expect(theirs.conversationId).not.toBe(first.conversationId);

    const tooMany = await codeOf(
      CreateGroupDocument,
      { input: { title: 'Big', memberIds: others.map((user) => user.id) } },
      owner,
    );
    expect(tooMany).toBe('BAD_USER_INPUT');
    const full = await createGroup(owner, others.slice(0, MAX_GROUP_MEMBERS - 1), 'Full');
    expect(full.memberCount).toBe(MAX_GROUP_MEMBERS);
    const { body } = await graphqlHttp(
      api(),
      AddMembersDocument,
      { conversationId: full.conversationId, userIds: [others.at(-1)!.id] },
      owner.token,
    );
    expect(body.errors?.[0]).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', maxMembers: MAX_GROUP_MEMBERS },
      message: expect.stringContaining('MAX_GROUP_MEMBERS'),
    });
    // Bad input: empty title, no members, an unknown user, a malformed id.
    expect(await codeOf(CreateGroupDocument, { input: { title: ' ', memberIds: [others[0]!.id] } }, owner)).toBe(
      'BAD_USER_INPUT',
    );
    expect(await codeOf(CreateGroupDocument, { input: { title: 'x', memberIds: [] } }, owner)).toBe('BAD_USER_INPUT');
    expect(await codeOf(CreateGroupDocument, { input: { title: 'x', memberIds: ['a'.repeat(24)] } }, owner)).toBe(
      'NOT_FOUND',
    );
    expect(await codeOf(CreateGroupDocument, { input: { title: 'x', memberIds: ['{"$ne":1}'] } }, owner)).toBe(
      'BAD_USER_INPUT',
    );
  });

  it('keeps read receipts and typing for members: readByCount, readBy, messagesRead, typing', async () => {
    const [ann, ben, cat] = (await createUsers(env.stores, 'Ann', 'Ben', 'Cat')) as [TestUser, TestUser, TestUser];
    const group = await createGroup(ann, [ben, cat]);
    const socket = connect(env.system.ws[1]!, ann);
    const reads = new SubscriptionProbe(socket, MessagesReadDocument, { conversationId: group.conversationId });
    const typing = new SubscriptionProbe(socket, TypingDocument, { conversationId: group.conversationId });
    await waitForSubscriptions(env.system.ws[1]!, 2);

    const hello = await send(ann, group.conversationId, 'hello');
    expect(hello.readByCount).toBe(0);
    await graphqlOk(api(), MarkConversationReadDocument, { conversationId: group.conversationId }, ben.token);
    expect((await reads.next()).data!.messagesRead).toMatchObject({ readerId: ben.id, readSeq: hello.seq });
    const receipts = await graphqlOk(
      api(),
      MessageReceiptsDocument,
      { conversationId: group.conversationId },
      ann.token,
    );
    expect(receipts.messages.nodes.at(-1)).toMatchObject({
      id: hello.id,
      readByCount: 1,
      readBy: [{ id: ben.id, name: 'Ben' }],
    });
    const view = (await graphqlOk(api(), ConversationDocument, { conversationId: group.conversationId }, ann.token))
      .conversation;
    expect(view).toMatchObject({ receiptsEnabled: true, typingEnabled: true });

    expect(
      await graphqlOk(api(), SetTypingDocument, { conversationId: group.conversationId, isTyping: true }, cat.token),
    ).toEqual({ setTyping: true });
    expect((await typing.next()).data!.typing).toMatchObject({
      userId: cat.id,
      conversationId: group.conversationId,
      isTyping: true,
    });
  });
});

import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import {
  BlockedUsersDocument,
  BlockUserDocument,
  ConversationsDocument,
  CreateGroupDocument,
  DirectoryDocument,
  MarkConversationReadDocument,
  MessagesReadDocument,
  PresenceDocument,
  SendMessageDocument,
  SenderBlockedDocument,
  SetTypingDocument,
  StartChatDocument,
  TypingDocument,
  UnblockUserDocument,
  UserStatusDocument,
} from '../../src/client/graphql';
import { chatActions } from '../helpers/chat';
import { graphqlHttp, graphqlOk, SubscriptionProbe, waitForSubscriptions, wsClient } from '../helpers/clients';
import { useTestSystem } from '../helpers/system';
import { createUsers, type TestUser } from '../helpers/users';

type Probe = SubscriptionProbe<Record<string, unknown>>;

describe('blocking', () => {
  // Two API instances (a block stored through one binds sends through the other at once) and two
  // WS instances (the two people are held by different ones).
  const env = useTestSystem({ apiInstances: 2, wsInstances: 2, env: { PRESENCE_HEARTBEAT_MS: '1000' } });
  const sockets: Array<ReturnType<typeof wsClient>> = [];
  const connect = (user: TestUser, ws: number) => {
    const socket = wsClient(env.system.ws[ws]!, { token: user.token });
    sockets.push(socket);
    return socket;
  };
  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((socket) => socket.dispose()));
  });

  async function codeOf<TData, TVariables>(
    apiIndex: number,
    document: TypedDocumentNode<TData, TVariables>,
    variables: TVariables,
    token: string | null,
  ): Promise<string> {
    const { body } = await graphqlHttp(env.system.apis[apiIndex]!, document, variables, token);
    return String(body.errors?.[0]?.extensions?.['code'] ?? 'OK');
  }
  const send = (apiIndex: number, from: TestUser, to: TestUser, message: string) =>
    codeOf(apiIndex, SendMessageDocument, { input: { targetUserId: to.id, message } }, from.token);
  const typing = async (from: TestUser, to: TestUser, isTyping: boolean) =>
    (await graphqlOk(env.system.apis[1]!, SetTypingDocument, { targetUserId: to.id, isTyping }, from.token)).setTyping;

  /** What a probe has received and not yet been asked for. */
  async function drain(probe: Probe): Promise<unknown[]> {
    const events: unknown[] = [];
    for (;;) {
      try {
        events.push((await probe.next(50)).data);
      } catch {
        return events;
      }
    }
  }

  it('stops sends, typing, presence and receipts between the two, either way round, at once; unblocking restores them', async () => {
    const [ann, ben] = (await createUsers(env.stores, 'Ann', 'Ben')) as [TestUser, TestUser];
    const chat = chatActions(env.system.api);
    await chat.send(ann, ben, 'hello');
    await chat.send(ben, ann, 'hi');

    for (const [blocker, blocked] of [
      [ann, ben],
      [ben, ann],
    ] as const) {
      // Each side online on its own WS instance, listening for everything the other could leak.
      const blockerSocket = connect(blocker, 0);
      const blockedSocket = connect(blocked, 1);
      const heard = (socket: ReturnType<typeof wsClient>, other: TestUser) => ({
        typing: new SubscriptionProbe(socket, TypingDocument, {}) as Probe,
        status: new SubscriptionProbe(socket, UserStatusDocument, { userIds: [other.id] }) as Probe,
        read: new SubscriptionProbe(socket, MessagesReadDocument, {}) as Probe,
      });
      const blockerHears = heard(blockerSocket, blocked);
      const blockedHears = heard(blockedSocket, blocker);
      await waitForSubscriptions(env.system.ws[0]!, 3);
      await waitForSubscriptions(env.system.ws[1]!, 3);
      const unreadForBoth = [await chat.send(blocker, blocked, 'before'), await chat.send(blocked, blocker, 'before')];

      const blockedAt = Date.now();
      expect(await graphqlOk(env.system.apis[0]!, BlockUserDocument, { userId: blocked.id }, blocker.token)).toEqual({
        blockUser: true,
      });
      // At once, through the other API instance, both ways.
      expect(await send(1, blocked, blocker, 'let me in')).toBe('BLOCKED');
      expect(await send(1, blocker, blocked, 'one more thing')).toBe('BLOCKED');
      expect(await codeOf(1, StartChatDocument, { targetUserId: blocker.id }, blocked.token)).toBe('BLOCKED');
      expect(await typing(blocked, blocker, true)).toBe(false);
      expect(await typing(blocker, blocked, true)).toBe(false);
      for (const [reader, other] of [
        [blocker, blocked],
        [blocked, blocker],
      ] as const) {
        // The reader's own count moves; no receipt leaves.
        await graphqlOk(env.system.api, MarkConversationReadDocument, { targetUserId: other.id }, reader.token);
      }
      // Presence: the blocked user's transitions reach nobody across the block, and the query
      // answers as for a stranger.
      const presenceAsSeenBy = async (viewer: TestUser, of: TestUser) =>
        (await graphqlOk(env.system.api, PresenceDocument, { userIds: [of.id] }, viewer.token)).presence[0];
      expect(await presenceAsSeenBy(blocked, blocker)).toMatchObject({ online: false, lastSeenAt: null });
      expect(await presenceAsSeenBy(blocker, blocked)).toMatchObject({ online: false, lastSeenAt: null });
      await blockedSocket.dispose();
      await blockerSocket.dispose();
      const blockerBack = connect(blocker, 0);
      const blockedBack = connect(blocked, 1);
      const backHears = { blocker: heard(blockerBack, blocked), blocked: heard(blockedBack, blocker) };
      await waitForSubscriptions(env.system.ws[0]!, 3);
      await waitForSubscriptions(env.system.ws[1]!, 3);

      const unblockedAt = Date.now();
      await graphqlOk(env.system.apis[1]!, UnblockUserDocument, { userId: blocked.id }, blocker.token);
      expect(await send(0, blocked, blocker, 'friends again')).toBe('OK');
      // Typing passes again; the first typing event either side hears is this one (isTyping false),
      // so the blocked attempts (isTyping true) never arrived.
      expect(await typing(blocked, blocker, false)).toBe(true);
      expect(await typing(blocker, blocked, false)).toBe(true);
      expect((await backHears.blocker.typing.next()).data).toMatchObject({
        typing: { userId: blocked.id, isTyping: false },
      });
      expect((await backHears.blocked.typing.next()).data).toMatchObject({
        typing: { userId: blocker.id, isTyping: false },
      });
      // Receipts pass again: the first one the blocker hears names only the new message.
      const fresh = await chat.send(blocker, blocked, 'did you read this?');
      await graphqlOk(env.system.api, MarkConversationReadDocument, { targetUserId: blocker.id }, blocked.token);
      expect((await backHears.blocker.read.next()).data).toMatchObject({ messagesRead: { messageIds: [fresh.id] } });
      expect(unreadForBoth.map((message) => message.id)).not.toContain(fresh.id);
      // Presence passes again: the blocked user going offline reaches the blocker, and every status
      // event heard on the way was announced after the unblock (the reconnect's USER_ONLINE may be).
      await blockedBack.dispose();
      for (;;) {
        const { userStatus } = (await backHears.blocker.status.next(10_000)).data as {
          userStatus: { type: string; userId: string; timestamp: string };
        };
        expect(userStatus.userId).toBe(blocked.id);
        expect(Date.parse(userStatus.timestamp)).toBeGreaterThanOrEqual(unblockedAt);
        if (userStatus.type === 'USER_OFFLINE') break;
      }
      // Nothing from the blocked period reached the first pair of sockets either (a status event
      // from before the block, when the other side came online, may have).
      for (const hears of [blockerHears, blockedHears]) {
        expect(await drain(hears.typing)).toEqual([]);
        expect(await drain(hears.read)).toEqual([]);
        const statuses = (await drain(hears.status)) as Array<{ userStatus: { timestamp: string } }>;
        expect(statuses.filter((event) => Date.parse(event.userStatus.timestamp) >= blockedAt)).toEqual([]);
      }
      await Promise.all(sockets.splice(0).map((socket) => socket.dispose()));
    }
  });

  it('lists, marks and hides what I block, refuses bad targets, and keeps both in shared groups', async () => {
    const [cat, dan, eve] = (await createUsers(env.stores, 'Cat', 'Dan', 'Eve')) as [TestUser, TestUser, TestUser];
    const api = env.system.api;
    const group = (
      await graphqlOk(api, CreateGroupDocument, { input: { title: 'Trio', memberIds: [dan.id, eve.id] } }, cat.token)
    ).createGroup.conversationId;
    // A block with someone never written to: no conversation yet, and none shows up for either.
    await graphqlOk(api, BlockUserDocument, { userId: dan.id }, cat.token);
    await graphqlOk(api, BlockUserDocument, { userId: dan.id }, cat.token); // idempotent
    expect((await graphqlOk(api, BlockedUsersDocument, {}, cat.token)).blockedUsers).toEqual([
      { id: dan.id, name: 'Dan' },
    ]);
    expect((await graphqlOk(api, BlockedUsersDocument, {}, dan.token)).blockedUsers).toEqual([]);
    const listed = async (user: TestUser, hideBlocked?: boolean) =>
      (await graphqlOk(api, ConversationsDocument, { hideBlocked }, user.token)).conversations.map(
        (c) => `${c.otherUserId ?? c.title} ${c.blocked} ${c.blockedByViewer}`,
      );
    expect(await listed(dan)).toEqual(['Trio false false']);
    expect(await send(0, dan, cat, 'hello?')).toBe('BLOCKED');
    expect(await send(0, cat, dan, 'hello?')).toBe('BLOCKED');
    // Dan can still write to others.
    expect(await send(0, dan, eve, 'hi Eve')).toBe('OK');

    // In the group both stay members; Cat's client can hide Dan's messages.
    await graphqlOk(api, SendMessageDocument, { input: { conversationId: group, message: 'from Dan' } }, dan.token);
    await graphqlOk(api, SendMessageDocument, { input: { conversationId: group, message: 'from Eve' } }, eve.token);
    const flags = async (viewer: TestUser) =>
      (await graphqlOk(api, SenderBlockedDocument, { conversationId: group }, viewer.token)).messages.nodes
        .filter((node) => node.senderId !== cat.id && node.senderId !== viewer.id)
        .map((node) => `${node.senderId === dan.id ? 'Dan' : 'Eve'} ${node.senderBlocked}`);
    expect(await flags(cat)).toEqual(['Dan true', 'Eve false']);
    expect(await flags(eve)).toEqual(['Dan false']);

    // The directory hides whom I block; the other side still finds me.
    const directory = async (user: TestUser, search: string) =>
      (await graphqlOk(api, DirectoryDocument, { search }, user.token)).users.map((u) => u.name);
    expect(await directory(cat, 'Dan')).toEqual([]);
    expect(await directory(dan, 'Cat')).toEqual(['Cat']);

    await graphqlOk(api, UnblockUserDocument, { userId: dan.id }, cat.token);
    expect(await send(0, dan, cat, 'hello again')).toBe('OK');
    await graphqlOk(api, BlockUserDocument, { userId: cat.id }, dan.token);
    expect(await listed(cat)).toContain(`${dan.id} true false`);
    expect(await listed(dan)).toContain(`${cat.id} true true`);
    expect(await listed(dan, true)).not.toContain(`${cat.id} true true`);

    for (const userId of [cat.id, 'not-an-id', '0123456789abcdef01234567', '{"$ne":null}']) {
      const code = await codeOf(0, BlockUserDocument, { userId }, cat.token);
      expect([userId, code]).toEqual([
        userId,
        userId === cat.id || userId.length !== 24 ? 'BAD_USER_INPUT' : 'NOT_FOUND',
      ]);
    }
    expect(await codeOf(0, BlockUserDocument, { userId: dan.id }, null)).toBe('UNAUTHENTICATED');
  });
});

import { randomBytes } from 'node:crypto';
import mongoose, { Types } from 'mongoose';
import {
  ChatEndedDocument,
  ChatHistoryDocument,
  ChatStartedDocument,
  ConversationDocument,
  ConversationsDocument,
  DeleteConversationDocument,
  DeleteMessageDocument,
  DirectoryDocument,
  EndChatDocument,
  MarkAsReadDocument,
  MarkConversationReadDocument,
  MessageDeletedDocument,
  MessagesDocument,
  MessagesReadDocument,
  NewMessageDocument,
  SearchMessagesDocument,
  SendMessageDocument,
  SetTypingDocument,
  StartChatDocument,
  TypingDocument,
} from '../../src/client/graphql';
import {
  graphqlHttp,
  graphqlOk,
  SubscriptionProbe,
  waitForNoSubscriptions,
  waitForSubscriptions,
  wsClient,
} from '../helpers/clients';
import { chatActions, conversationIdOf } from '../helpers/chat';
import type { TestDatastores } from '../helpers/datastores';
import { useTestSystem, type TestSystem } from '../helpers/system';
import { createUsers, type TestUser } from '../helpers/users';
import type { UserId } from '../../src/domain/ids';
import { MongoUserRepository } from '../../src/persistence/user/user.repository';

/** Short typing expiry for this file (TYPING_EXPIRY_MS; production default 6 s). */
const TYPING_EXPIRY_MS = 1_500;

describe('every seed feature over GraphQL', () => {
  const env = useTestSystem({
    wsInstances: 2,
    apiInstances: 2,
    env: { TYPING_EXPIRY_MS: String(TYPING_EXPIRY_MS) },
  });
  let stores: TestDatastores;
  let system: TestSystem;
  let chat: ReturnType<typeof chatActions>;
  const sockets: Array<{ dispose(): void | Promise<void> }> = [];

  /** A graphql-ws connection for `user` on WS instance `index`, disposed after the test. */
  const connect = (user: TestUser, index = 0) => {
    const client = wsClient(system.ws[index]!, { authorization: `Bearer ${user.token}` });
    sockets.push(client);
    return client;
  };
  /** Subscribes and waits until the subscription is live in Redis. */
  const subscribe = async <TData, TVariables extends Record<string, unknown>>(
    user: TestUser,
    document: ConstructorParameters<typeof SubscriptionProbe<TData, TVariables>>[1],
    variables: TVariables,
    index = 0,
  ) => {
    const before = system.ws[index]!.stats.snapshot().activeSubscriptions;
    const probe = new SubscriptionProbe(connect(user, index), document, variables);
    await waitForSubscriptions(system.ws[index]!, before + 1);
    return probe;
  };
  const users = async (...names: string[]) => createUsers(stores, ...names);

  beforeAll(async () => {
    ({ stores, system } = env);
    chat = chatActions(system.api);
  });

  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((socket) => socket.dispose()));
    await Promise.all(system.ws.map((server) => waitForNoSubscriptions(server)));
  });

  describe('start_chat / chat_started and end_chat / chat_ended', () => {
    it('starts a chat: the other user hears chatStarted, both list the conversation', async () => {
      const [alice, bob] = (await users('Alice', 'Bob')) as [TestUser, TestUser];
      const bobHears = await subscribe(bob, ChatStartedDocument, {});
      const started = await graphqlOk(system.api, StartChatDocument, { targetUserId: bob.id }, alice.token);
      expect(started.startChat).toMatchObject({
        conversationId: conversationIdOf(alice, bob),
        otherUserId: bob.id,
        otherUser: { id: bob.id, name: 'Bob' },
        lastMessage: null,
        unreadCount: 0,
        lastSeq: 0,
      });
      expect((await bobHears.next()).data?.chatStarted).toEqual({
        conversationId: conversationIdOf(alice, bob),
        initiatorId: alice.id,
      });
      const bobList = await graphqlOk(system.api, ConversationsDocument, {}, bob.token);
      expect(bobList.conversations.map((c) => c.otherUserId)).toEqual([alice.id]);
    });

    it('ends a chat: both users hear chatEnded, history is kept', async () => {
      const [alice, bob] = (await users('Alice', 'Bob')) as [TestUser, TestUser];
      await chat.send(alice, bob, 'before the end');
      const aliceHears = await subscribe(alice, ChatEndedDocument, {}, 1);
      const bobHears = await subscribe(bob, ChatEndedDocument, {});
      expect((await graphqlOk(system.api, EndChatDocument, { targetUserId: bob.id }, alice.token)).endChat).toBe(true);
      const expected = { conversationId: conversationIdOf(alice, bob), userId: alice.id };
      expect((await aliceHears.next()).data?.chatEnded).toEqual(expected);
      expect((await bobHears.next()).data?.chatEnded).toEqual(expected);
      const history = await graphqlOk(system.api, ChatHistoryDocument, { targetUserId: alice.id }, bob.token);
      expect(history.chatHistory.messages.map((m) => m.message)).toEqual(['before the end']);
    });
  });

  describe('user_typing / user_stop_typing', () => {
    it('reaches only the target, stops on request, and ends by itself TYPING_EXPIRY_MS after the last refresh', async () => {
      const [alice, bob, carol] = (await users('Alice', 'Bob', 'Carol')) as [TestUser, TestUser, TestUser];
      const bobSees = await subscribe(bob, TypingDocument, {});
      const carolSees = await subscribe(carol, TypingDocument, {}, 1);
      const conversationId = conversationIdOf(alice, bob);

      await graphqlOk(system.api, SetTypingDocument, { targetUserId: bob.id, isTyping: true }, alice.token);
      expect((await bobSees.next()).data?.typing).toEqual({ userId: alice.id, conversationId, isTyping: true });
      await graphqlOk(system.api, SetTypingDocument, { targetUserId: bob.id, isTyping: false }, alice.token);
      expect((await bobSees.next()).data?.typing).toEqual({ userId: alice.id, conversationId, isTyping: false });

      const startedAt = Date.now();
      await graphqlOk(system.api, SetTypingDocument, { targetUserId: bob.id, isTyping: true }, alice.token);
      expect((await bobSees.next()).data?.typing.isTyping).toBe(true);
      const expired = await bobSees.next(TYPING_EXPIRY_MS * 4);
      expect(expired.data?.typing).toEqual({ userId: alice.id, conversationId, isTyping: false });
      // Not before the expiry (the receiving end starts its timer after our send began).
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(TYPING_EXPIRY_MS);

      // Carol heard none of it: the next thing she hears is Bob typing to her.
      await graphqlOk(system.api, SetTypingDocument, { targetUserId: carol.id, isTyping: true }, bob.token);
      expect((await carolSees.next()).data?.typing).toEqual({
        userId: bob.id,
        conversationId: conversationIdOf(bob, carol),
        isTyping: true,
      });
    });
  });

  describe('load_chat_history / chat_history', () => {
    it('pages by cursor in both directions, oldest first, with the seed pagination beside it', async () => {
      const [alice, bob] = (await users('Alice', 'Bob')) as [TestUser, TestUser];
      const sent = [];
      for (let i = 1; i <= 5; i += 1) sent.push(await chat.send(i % 2 ? alice : bob, i % 2 ? bob : alice, `m${i}`));

      const newest = (await graphqlOk(system.api, MessagesDocument, { targetUserId: bob.id, first: 2 }, alice.token))
        .messages;
      expect(newest.nodes.map((m) => m.message)).toEqual(['m4', 'm5']);
      expect(newest.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
      expect(newest.edges.map((e) => e.cursor)).toEqual(newest.nodes.map((m) => m.cursor));

      const older = (
        await graphqlOk(
          system.api,
          MessagesDocument,
          { targetUserId: bob.id, first: 2, before: newest.pageInfo.startCursor },
          alice.token,
        )
      ).messages;
      expect(older.nodes.map((m) => m.message)).toEqual(['m2', 'm3']);
      expect(older.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });

      const newer = (
        await graphqlOk(
          system.api,
          MessagesDocument,
          { targetUserId: bob.id, first: 10, after: sent[0]!.cursor },
          alice.token,
        )
      ).messages;
      expect(newer.nodes.map((m) => m.seq)).toEqual([2, 3, 4, 5]);
      expect(newer.pageInfo.hasNextPage).toBe(false);

      const page2 = await graphqlOk(
        system.api,
        ChatHistoryDocument,
        { targetUserId: alice.id, limit: 2, page: 2 },
        bob.token,
      );
      expect(page2.chatHistory.messages.map((m) => m.message)).toEqual(['m3', 'm2']);
      expect(page2.chatHistory.pagination).toEqual({ total: 5, page: 2, limit: 2, pages: 3 });
      const clamped = await graphqlOk(
        system.api,
        ChatHistoryDocument,
        { targetUserId: alice.id, limit: 1000 },
        bob.token,
      );
      expect(clamped.chatHistory.pagination.limit).toBe(100);
    });

    it('refuses both cursors at once and a non-integer limit', async () => {
      const [alice, bob] = (await users('Alice', 'Bob')) as [TestUser, TestUser];
      const m = await chat.send(alice, bob, 'x');
      expect(
        await chat.codeOf(MessagesDocument, { targetUserId: bob.id, before: m.cursor, after: m.cursor }, alice),
      ).toBe('BAD_USER_INPUT');
    });
  });

  describe('resume after a disconnect', () => {
    it('gets exactly the 20 messages sent while away, in order, then live ones, none twice', async () => {
      const [alice, bob] = (await users('Alice', 'Bob')) as [TestUser, TestUser];
      const lastSeen = await chat.send(alice, bob, 'seen before going offline');
      const missed = [];
      for (let i = 1; i <= 20; i += 1) missed.push((await chat.send(alice, bob, `missed ${i}`)).id);

      const resync = await graphqlOk(
        system.api,
        MessagesDocument,
        { targetUserId: alice.id, first: 50, after: lastSeen.cursor },
        bob.token,
      );
      expect(resync.messages.nodes.map((m) => m.id)).toEqual(missed);

      const probe = new SubscriptionProbe(connect(bob, 1), NewMessageDocument, {
        targetUserId: alice.id,
        after: lastSeen.cursor,
      });
      const replayed = [];
      for (let i = 0; i < 20; i += 1) replayed.push((await probe.next()).data?.newMessage.id);
      expect(replayed).toEqual(missed);
      await waitForSubscriptions(system.ws[1]!, 1);
      const live = await chat.send(alice, bob, 'back online');
      expect((await probe.next()).data?.newMessage.id).toBe(live.id);
      const marker = await chat.send(alice, bob, 'marker');
      expect((await probe.next()).data?.newMessage.id).toBe(marker.id);
    });
  });

  describe('the subscribe race', () => {
    it('never misses a message sent right after subscribing with a cursor, and never doubles it', async () => {
      const [alice, bob] = (await users('Alice', 'Bob')) as [TestUser, TestUser];
      for (let round = 0; round < 5; round += 1) {
        const last = await chat.send(alice, bob, `anchor ${round}`);
        const client = connect(bob, round % 2);
        const probe = new SubscriptionProbe(client, NewMessageDocument, { targetUserId: alice.id, after: last.cursor });
        // No waiting for the subscription: the send races the server-side SUBSCRIBE.
        const racing = await chat.send(alice, bob, `racing ${round}`);
        expect((await probe.next()).data?.newMessage.id).toBe(racing.id);
        // Never doubled: in-order delivery means the next message is the marker, not a copy.
        const marker = await chat.send(alice, bob, `marker ${round}`);
        expect((await probe.next()).data?.newMessage.id).toBe(marker.id);
        probe.stop();
      }
    });
  });

  describe('idempotent sends', () => {
    it('stores one message for the same clientMessageId sent concurrently to two API instances', async () => {
      const [alice, bob] = (await users('Alice', 'Bob')) as [TestUser, TestUser];
      const input = { targetUserId: bob.id, message: 'exactly once', clientMessageId: 'double-tap-1' };
      const results = await Promise.all(
        [0, 1, 0, 1].map((i) => graphqlOk(system.apis[i]!, SendMessageDocument, { input }, alice.token)),
      );
      expect(new Set(results.map((r) => r.sendMessage.id)).size).toBe(1);
      const history = await graphqlOk(system.api, ChatHistoryDocument, { targetUserId: bob.id }, alice.token);
      expect(history.chatHistory.pagination.total).toBe(1);
      expect((await chat.unread(bob)).total).toBe(1);
    });
  });

  describe('concurrent sends to one conversation', () => {
    it('gives every message its own seq and counts every unread one, across two API instances', async () => {
      const [alice, bob] = (await users('Alice', 'Bob')) as [TestUser, TestUser];
      const sends = Array.from({ length: 30 }, (_, i) => {
        const [from, to] = i % 3 === 0 ? [bob, alice] : [alice, bob];
        return graphqlOk(
          system.apis[i % 2]!,
          SendMessageDocument,
          { input: { targetUserId: to.id, message: `burst ${i}` } },
          from.token,
        );
      });
      const sent = (await Promise.all(sends)).map((result) => result.sendMessage);
      expect(sent.map((m) => m.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      expect((await chat.unread(bob)).total).toBe(20);
      expect((await chat.unread(alice)).total).toBe(10);
      const list = await graphqlOk(system.api, ConversationsDocument, {}, alice.token);
      expect(list.conversations[0]).toMatchObject({
        lastSeq: 30,
        lastMessage: sent.find((m) => m.seq === 30)!.message,
      });
    });
  });

  describe('mark_as_read / messages_read and exact unread counts', () => {
    it('keeps unread counts exact through sends, reads on two devices and deletes', async () => {
      const [alice, bob] = (await users('Alice', 'Bob')) as [TestUser, TestUser];
      const conversationId = conversationIdOf(alice, bob);
      const aliceReceipts = await subscribe(alice, MessagesReadDocument, { conversationId });
      const sent = [];
      for (let i = 1; i <= 5; i += 1) sent.push(await chat.send(alice, bob, `unread ${i}`));
      expect(await chat.unread(bob)).toEqual({ total: 5, byConversation: { [alice.id]: 5 } });

      // Bob's phone reads two of them by id.
      const phone = await graphqlOk(
        system.apis[0]!,
        MarkAsReadDocument,
        { conversationId, messageIds: [sent[0]!.id, sent[1]!.id] },
        bob.token,
      );
      expect(phone.markAsRead).toMatchObject({
        conversationId,
        readerId: bob.id,
        messageIds: [sent[0]!.id, sent[1]!.id],
      });
      const receipt = (await aliceReceipts.next()).data?.messagesRead;
      expect(receipt).toMatchObject({ conversationId, readerId: bob.id, messageIds: [sent[0]!.id, sent[1]!.id] });
      expect(await chat.unread(bob)).toEqual({ total: 3, byConversation: { [alice.id]: 3 } });

      // Marking the same ids again changes nothing and announces nothing.
      await graphqlOk(system.apis[1]!, MarkAsReadDocument, { conversationId, messageIds: [sent[0]!.id] }, bob.token);
      expect((await chat.unread(bob)).total).toBe(3);

      // Alice deletes an unread message: it no longer counts.
      await graphqlOk(system.api, DeleteMessageDocument, { messageId: sent[4]!.id }, alice.token);
      expect((await chat.unread(bob)).total).toBe(2);
      // Deleting a message already read does not touch the count.
      await graphqlOk(system.api, DeleteMessageDocument, { messageId: sent[0]!.id }, alice.token);
      expect((await chat.unread(bob)).total).toBe(2);

      // Bob's laptop reads the rest.
      const marked = await graphqlOk(
        system.apis[1]!,
        MarkConversationReadDocument,
        { targetUserId: alice.id },
        bob.token,
      );
      expect(marked.markConversationRead).toBe(2);
      expect((await aliceReceipts.next()).data?.messagesRead.messageIds).toEqual([sent[2]!.id, sent[3]!.id]);
      expect(await chat.unread(bob)).toEqual({ total: 0, byConversation: { [alice.id]: 0 } });

      const history = await graphqlOk(system.api, ChatHistoryDocument, { targetUserId: alice.id }, bob.token);
      expect(history.chatHistory.messages.map((m) => [m.message, m.isRead, m.readAt !== null, m.readByCount])).toEqual([
        ['unread 4', true, true, 1],
        ['unread 3', true, true, 1],
        ['unread 2', true, true, 1],
      ]);
      expect((await chat.unread(alice)).total).toBe(0);
      // No stray receipt came in between (the re-mark above announced nothing): the next one
      // Alice gets is for the next read.
      const later = await chat.send(alice, bob, 'later');
      expect(later.readByCount).toBe(0);
      await graphqlOk(system.api, MarkConversationReadDocument, { targetUserId: alice.id }, bob.token);
      expect((await aliceReceipts.next()).data?.messagesRead.messageIds).toEqual([later.id]);
    });
  });

  describe('deleting', () => {
    it('lets only the sender delete, tells both sides, and fixes the preview', async () => {
      const [alice, bob] = (await users('Alice', 'Bob')) as [TestUser, TestUser];
      const conversationId = conversationIdOf(alice, bob);
      const first = await chat.send(alice, bob, 'first');
      const second = await chat.send(alice, bob, 'second');
      const aliceSees = await subscribe(alice, MessageDeletedDocument, {});
      const bobSees = await subscribe(bob, MessageDeletedDocument, { conversationId }, 1);

      expect(await chat.codeOf(DeleteMessageDocument, { messageId: second.id }, bob)).toBe('FORBIDDEN');
      expect(
        await chat.codeOf(DeleteMessageDocument, { messageId: new mongoose.Types.ObjectId().toHexString() }, bob),
      ).toBe('NOT_FOUND');
      expect(await chat.codeOf(DeleteMessageDocument, { messageId: 'nope' }, bob)).toBe('BAD_USER_INPUT');

      expect(
        (await graphqlOk(system.api, DeleteMessageDocument, { messageId: second.id }, alice.token)).deleteMessage,
      ).toBe(true);
      const expected = { conversationId, messageId: second.id, seq: second.seq, deletedBy: alice.id };
      expect((await aliceSees.next()).data?.messageDeleted).toMatchObject(expected);
      expect((await bobSees.next()).data?.messageDeleted).toMatchObject(expected);
      // A retried delete answers the same, without a second event.
      expect(
        (await graphqlOk(system.api, DeleteMessageDocument, { messageId: second.id }, alice.token)).deleteMessage,
      ).toBe(true);

      const list = await graphqlOk(system.api, ConversationsDocument, {}, bob.token);
      expect(list.conversations[0]).toMatchObject({
        lastMessage: 'first',
        lastMessageTime: first.createdAt,
        unreadCount: 1,
      });
      const history = await graphqlOk(system.api, ChatHistoryDocument, { targetUserId: alice.id }, bob.token);
      expect(history.chatHistory.messages.map((m) => m.id)).toEqual([first.id]);
      // The retried delete sent no second event: the next one both hear is for the next delete.
      await graphqlOk(system.api, DeleteMessageDocument, { messageId: first.id }, alice.token);
      expect((await aliceSees.next()).data?.messageDeleted.messageId).toBe(first.id);
      expect((await bobSees.next()).data?.messageDeleted.messageId).toBe(first.id);
    });

    it('hides a conversation for the caller only; a later message brings it back with only what came after', async () => {
      const [alice, bob] = (await users('Alice', 'Bob')) as [TestUser, TestUser];
      await chat.send(alice, bob, 'old 1');
      await chat.send(bob, alice, 'old 2');
      expect(
        (await graphqlOk(system.api, DeleteConversationDocument, { targetUserId: alice.id }, bob.token))
          .deleteConversation,
      ).toBe(true);

      expect((await graphqlOk(system.api, ConversationsDocument, {}, bob.token)).conversations).toEqual([]);
      expect(
        (await graphqlOk(system.api, ChatHistoryDocument, { targetUserId: alice.id }, bob.token)).chatHistory.pagination
          .total,
      ).toBe(0);
      expect((await chat.unread(bob)).total).toBe(0);
      expect(
        (await graphqlOk(system.api, ChatHistoryDocument, { targetUserId: bob.id }, alice.token)).chatHistory.pagination
          .total,
      ).toBe(2);
      expect((await graphqlOk(system.api, SearchMessagesDocument, { query: 'old' }, bob.token)).searchMessages).toEqual(
        [],
      );

      const fresh = await chat.send(alice, bob, 'new start');
      const bobList = await graphqlOk(system.api, ConversationsDocument, {}, bob.token);
      expect(bobList.conversations).toEqual([
        expect.objectContaining({ otherUserId: alice.id, lastMessage: 'new start', unreadCount: 1 }),
      ]);
      const bobHistory = await graphqlOk(system.api, ChatHistoryDocument, { targetUserId: alice.id }, bob.token);
      expect(bobHistory.chatHistory.messages.map((m) => m.id)).toEqual([fresh.id]);
      const marked = await graphqlOk(system.api, MarkConversationReadDocument, { targetUserId: alice.id }, bob.token);
      expect(marked.markConversationRead).toBe(1);
    });
  });

  describe('history totals', () => {
    /** `chatHistory`'s total and pages as `user` sees the conversation with `other`, beside what its pages hold. */
    /**
     * `chatHistory`'s total and pages as `user` sees the conversation with `other`, beside how many
     * messages its pages hold; page 2 (computed from the deletions above it) must be what one long
     * page lists third and fourth.
     */
    const totals = async (user: TestUser, other: TestUser) => {
      const page = async (limit: number, number: number) =>
        (await graphqlOk(system.api, ChatHistoryDocument, { targetUserId: other.id, limit, page: number }, user.token))
          .chatHistory;
      const [first, second, all] = await Promise.all([page(2, 1), page(2, 2), page(100, 1)]);
      expect(second.messages.map((m) => m.id)).toEqual(all.messages.slice(2, 4).map((m) => m.id));
      return { total: first.pagination.total, pages: first.pagination.pages, listed: all.messages.length };
    };

    it('counts what each side can see: deletions above and below a cleared history, and none twice', async () => {
      const [alice, bob] = (await users('Alice', 'Bob')) as [TestUser, TestUser];
      const sent = [];
      for (const text of ['m1', 'm2', 'm3', 'm4']) sent.push(await chat.send(alice, bob, text));
      await graphqlOk(system.api, DeleteMessageDocument, { messageId: sent[1]!.id }, alice.token);
      await graphqlOk(system.api, DeleteMessageDocument, { messageId: sent[1]!.id }, alice.token); // a retry
      expect(await totals(bob, alice)).toEqual({ total: 3, pages: 2, listed: 3 });

      // Bob clears the conversation; what follows is all he sees, and a deletion below his
      // cleared mark changes Alice's total only.
      await graphqlOk(system.api, DeleteConversationDocument, { targetUserId: alice.id }, bob.token);
      expect(await totals(bob, alice)).toEqual({ total: 0, pages: 0, listed: 0 });
      sent.push(await chat.send(alice, bob, 'm5'), await chat.send(bob, alice, 'm6'));
      await graphqlOk(system.api, DeleteMessageDocument, { messageId: sent[0]!.id }, alice.token);
      expect(await totals(bob, alice)).toEqual({ total: 2, pages: 1, listed: 2 });
      expect(await totals(alice, bob)).toEqual({ total: 4, pages: 2, listed: 4 });

      await graphqlOk(system.api, DeleteMessageDocument, { messageId: sent[5]!.id }, bob.token);
      expect(await totals(bob, alice)).toEqual({ total: 1, pages: 1, listed: 1 });
      expect(await totals(alice, bob)).toEqual({ total: 3, pages: 2, listed: 3 });
    });
  });

  describe('search', () => {
    it('treats the query as literal, case-insensitive text within my conversations, newest first', async () => {
      const [alice, bob, carol] = (await users('Alice', 'Bob', 'Carol')) as [TestUser, TestUser, TestUser];
      await chat.send(alice, bob, 'the regex .* matches anything');
      await chat.send(alice, bob, 'nothing special here');
      const evil = await chat.send(bob, alice, `AAAA${'a'.repeat(40)}(a+)+$ is a classic`);
      await chat.send(alice, carol, 'carol also writes .* and (a+)+$');

      const literalDot = await graphqlOk(system.api, SearchMessagesDocument, { query: '.*' }, bob.token);
      expect(literalDot.searchMessages.map((m) => m.message)).toEqual(['the regex .* matches anything']);
      const redos = await graphqlOk(system.api, SearchMessagesDocument, { query: '(A+)+$' }, bob.token);
      expect(redos.searchMessages.map((m) => m.id)).toEqual([evil.id]);
      const scoped = await graphqlOk(
        system.api,
        SearchMessagesDocument,
        { query: 'THE REGEX', targetUserId: carol.id },
        bob.token,
      );
      expect(scoped.searchMessages).toEqual([]);
      expect(await chat.codeOf(SearchMessagesDocument, { query: '  ' }, bob)).toBe('BAD_USER_INPUT');
      expect(await chat.codeOf(SearchMessagesDocument, { query: 'x'.repeat(201) }, bob)).toBe('BAD_USER_INPUT');
    });
  });

  describe('one conversation by id', () => {
    it('answers its participants (also after a hide), FORBIDDEN to others, NOT_FOUND before it starts', async () => {
      const [alice, bob, carol] = (await users('Alice', 'Bob', 'Carol')) as [TestUser, TestUser, TestUser];
      const conversationId = conversationIdOf(alice, bob);
      expect(await chat.codeOf(ConversationDocument, { conversationId }, alice)).toBe('NOT_FOUND');
      await chat.send(alice, bob, 'first');
      const second = await chat.send(alice, bob, 'second');

      const seen = await graphqlOk(system.api, ConversationDocument, { conversationId }, bob.token);
      expect(seen.conversation).toMatchObject({
        conversationId,
        kind: 'DIRECT',
        title: null,
        memberCount: 2,
        otherUserId: alice.id,
        lastMessage: 'second',
        lastSeq: second.seq,
        unreadCount: 2,
      });
      await graphqlOk(system.api, DeleteConversationDocument, { targetUserId: alice.id }, bob.token);
      const hidden = await graphqlOk(system.api, ConversationDocument, { conversationId }, bob.token);
      expect(hidden.conversation).toMatchObject({ conversationId, lastMessage: null, unreadCount: 0 });

      expect(await chat.codeOf(ConversationDocument, { conversationId }, carol)).toBe('FORBIDDEN');
      expect(await chat.codeOf(ConversationDocument, { conversationId: 'not-an-id' }, alice)).toBe('BAD_USER_INPUT');
    });
  });

  describe('people directory', () => {
    it('finds users by name or email prefix, ignoring case, by name, without the caller; input is literal and bounded', async () => {
      // A tag of this run, so users of other tests in the shared database never match.
      const tag = `q${randomBytes(4).toString('hex')}`;
      const [anna, andrew, caller] = (await users(`${tag}anna`, `${tag.toUpperCase()}ANDREW`, `${tag}carl`)) as [
        TestUser,
        TestUser,
        TestUser,
      ];
      const byEmail = {
        id: new Types.ObjectId().toHexString() as UserId,
        name: 'Zed Other',
        email: `${tag}zed@example.test`,
      };
      await new MongoUserRepository(stores.mongo.connection).upsertMany([byEmail]);
      const search = async (text: string, first?: number) =>
        (await graphqlOk(system.api, DirectoryDocument, { search: text, first }, caller.token)).users;

      expect(await search(`${tag.toUpperCase()}aN`)).toEqual([
        { id: andrew.id, name: `${tag.toUpperCase()}ANDREW`, email: `${tag}andrew@example.test` },
        { id: anna.id, name: `${tag}anna`, email: `${tag}anna@example.test` },
      ]);
      // By name in binary order: "Q…ANDREW" < "Zed Other" < "q…anna".
      expect((await search(`  ${tag}`)).map((user) => user.id)).toEqual([andrew.id, byEmail.id, anna.id]);
      expect((await search(`${tag}Z`)).map((user) => user.id)).toEqual([byEmail.id]);
      expect((await search(tag, 1)).map((user) => user.id)).toEqual([andrew.id]);
      expect(await search(`${tag}c`)).toEqual([]); // the caller's own entry
      expect(await search('.*')).toEqual([]);
      expect(await search(`${tag}(a+)+$`)).toEqual([]);

      expect(await chat.codeOf(DirectoryDocument, { search: '  ' }, caller)).toBe('BAD_USER_INPUT');
      expect(await chat.codeOf(DirectoryDocument, { search: 'x'.repeat(101) }, caller)).toBe('BAD_USER_INPUT');
      expect(await chat.codeOf(DirectoryDocument, { search: tag, first: 0 }, caller)).toBe('BAD_USER_INPUT');
      expect(await chat.codeOf(DirectoryDocument, { search: tag, first: 51 }, caller)).toBe('BAD_USER_INPUT');
      const anonymous = await graphqlHttp(system.api, DirectoryDocument, { search: tag });
      expect(anonymous.body.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    });
  });

  describe('authorization', () => {
    it('refuses every operation on a conversation or message of other people', async () => {
      const [alice, bob, carol] = (await users('Alice', 'Bob', 'Carol')) as [TestUser, TestUser, TestUser];
      const private1 = await chat.send(alice, carol, 'private to carol');
      const theirs = conversationIdOf(alice, carol);

      expect(await chat.codeOf(MarkAsReadDocument, { conversationId: theirs }, bob)).toBe('FORBIDDEN');
      expect(await chat.codeOf(MarkAsReadDocument, { conversationId: theirs, messageIds: [private1.id] }, bob)).toBe(
        'FORBIDDEN',
      );
      expect(await chat.codeOf(DeleteMessageDocument, { messageId: private1.id }, bob)).toBe('FORBIDDEN');
      expect(await chat.codeOf(MarkAsReadDocument, { conversationId: 'not-a-conversation' }, bob)).toBe(
        'BAD_USER_INPUT',
      );
      const claimedOther = { input: { targetUserId: alice.id, message: 'spoof', userId: carol.id } };
      expect(await chat.codeOf(SendMessageDocument, claimedOther, bob)).toBe('FORBIDDEN');
      const claimedSelf = { input: { targetUserId: alice.id, message: 'seed client', userId: bob.id } };
      expect(await chat.codeOf(SendMessageDocument, claimedSelf, bob)).toBe('OK');
      for (const [operation, query] of [
        ['startChat', 'mutation($t: ID!, $u: ID) { startChat(targetUserId: $t, userId: $u) { conversationId } }'],
        ['endChat', 'mutation($t: ID!, $u: ID) { endChat(targetUserId: $t, userId: $u) }'],
        ['setTyping', 'mutation($t: ID!, $u: ID) { setTyping(targetUserId: $t, isTyping: true, userId: $u) }'],
      ] as const) {
        const response = await fetch(`${system.api.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${bob.token}` },
          body: JSON.stringify({ query, variables: { t: alice.id, u: carol.id } }),
        });
        const body = (await response.json()) as { errors?: Array<{ extensions: { code: string } }> };
        expect({ operation, code: body.errors?.[0]?.extensions.code }).toEqual({ operation, code: 'FORBIDDEN' });
      }

      const readProbe = new SubscriptionProbe(connect(bob), MessagesReadDocument, { conversationId: theirs });
      expect((await readProbe.next()).errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
      const deletedProbe = new SubscriptionProbe(connect(bob), MessageDeletedDocument, { conversationId: theirs });
      expect((await deletedProbe.next()).errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
      const { body } = await graphqlHttp(system.api, SearchMessagesDocument, { query: 'private' }, bob.token);
      expect(body.data?.searchMessages).toEqual([]);
      // Carol's unread count is untouched by all of the above.
      expect((await chat.unread(carol)).total).toBe(1);
    });
  });

  describe('no N+1', () => {
    it('lists 50 conversations with their other users in a bounded number of queries', async () => {
      const [alice] = (await users('Alice')) as [TestUser];
      const others = await users(...Array.from({ length: 50 }, (_, i) => `Friend ${i}`));
      for (const other of others) await chat.send(other, alice, `hello from ${other.name}`);

      let queries = 0;
      // Background rounds of the same API instance (due scheduled messages, expired uploads) are not the list's.
      const background = new Set(['scheduledmessages', 'attachments']);
      mongoose.set('debug', (collection: string) => {
        if (!background.has(collection)) queries += 1;
      });
      try {
        const list = await graphqlOk(system.api, ConversationsDocument, { limit: 50 }, alice.token);
        expect(list.conversations).toHaveLength(50);
        expect(new Set(list.conversations.map((c) => c.otherUser?.name)).size).toBe(50);
      } finally {
        mongoose.set('debug', false);
      }
      // The caller's inbox entries, their conversations, the other users, the mention counts.
      expect(queries).toBeLessThanOrEqual(4);
    });
  });
});

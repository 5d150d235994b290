import {
  AddReactionDocument,
  BlockUserDocument,
  EndChatDocument,
  ScheduleMessageDocument,
  StartChatDocument,
  UnblockUserDocument,
  MarkAsReadDocument,
  MarkConversationReadDocument,
  CreateGroupDocument,
  EditMessageDocument,
  MyEventCursorDocument,
  SendMessageDocument,
  SetTypingDocument,
  UserEventsDocument,
  UserEventStreamDocument,
  type UserEventFieldsFragment,
  type UserEventStreamSubscription,
} from '../../src/client/graphql';
import { Redis } from 'ioredis';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiServer } from '../../src/api/api.server';
import { startRedis } from '../../src/launcher/embedded-redis';
import { graphqlHttp, graphqlOk, SubscriptionProbe, waitForSubscriptions, wsClient } from '../helpers/clients';
import { eventually } from '../helpers/eventually';
import { spawnServiceProcess, useTestSystem } from '../helpers/system';
import { createUsers, type TestUser } from '../helpers/users';

/** An event as a test compares it: what happened, where, to which message text. */
const summary = (event: UserEventFieldsFragment) =>
  [event.type, event.conversationId ?? '-', event.message?.message ?? event.userIds.join(',')].join(' ');

describe('userEvents: one stream per user, one cursor', () => {
  const env = useTestSystem({
    wsInstances: 2,
    apiInstances: 2,
    env: { TYPING_EXPIRY_MS: '1500', SCHEDULE_MIN_LEAD_SECONDS: '1', SCHEDULER_POLL_MS: '200' },
  });
  const api = (index = 0) => env.system.apis[index]!;
  const sockets: Array<ReturnType<typeof wsClient>> = [];
  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((socket) => socket.dispose()));
  });

  const send = async (from: TestUser, to: TestUser | string, message: string, apiIndex = 0) =>
    (
      await graphqlOk(
        api(apiIndex),
        SendMessageDocument,
        { input: typeof to === 'string' ? { conversationId: to, message } : { targetUserId: to.id, message } },
        from.token,
      )
    ).sendMessage;
  const cursorOf = async (user: TestUser) =>
    (await graphqlOk(api(), MyEventCursorDocument, {}, user.token)).me.eventCursor;
  const page = async (user: TestUser, after: string, first = 100, apiIndex = 0) =>
    (await graphqlOk(api(apiIndex), UserEventsDocument, { after, first }, user.token)).userEvents;
  const subscribe = (user: TestUser, after: string | null, ws = 0) => {
    const socket = wsClient(env.system.ws[ws]!, { token: user.token });
    sockets.push(socket);
    return new SubscriptionProbe<UserEventStreamSubscription>(socket, UserEventStreamDocument, after ? { after } : {});
  };
  const next = async (probe: SubscriptionProbe<UserEventStreamSubscription>) => (await probe.next()).data!.userEvents;

  it('pages every event of every conversation after a cursor, once each, in each conversation’s order', async () => {
    const [alice, bob, carol] = (await createUsers(env.stores, 'Alice', 'Bob', 'Carol')) as [
      TestUser,
      TestUser,
      TestUser,
    ];
    const start = await cursorOf(alice);
    const first = await send(bob, alice, 'one', 0);
    await send(bob, alice, 'two', 1);
    const group = (
      await graphqlOk(
        api(),
        CreateGroupDocument,
        { input: { title: 'Trio', memberIds: [alice.id, bob.id] } },
        carol.token,
      )
    ).createGroup;
    await send(carol, group.conversationId, 'in the group', 1);
    await graphqlOk(api(), EditMessageDocument, { messageId: first.id, message: 'one, edited' }, bob.token);
    const direct = first.conversationId;

    // Two at a time, on both API instances: every event once, then an empty page at the end.
    const seen: UserEventFieldsFragment[] = [];
    let after = start;
    for (let round = 0; round < 10; round += 1) {
      const result = await page(alice, after, 2, round % 2);
      seen.push(...result.nodes);
      after = result.endCursor;
      if (!result.hasMore) break;
    }
    const inDirect = seen.filter((event) => event.conversationId === direct).map(summary);
    const inGroup = seen.filter((event) => event.conversationId === group.conversationId).map(summary);
    expect(inDirect).toEqual([
      `MESSAGE_CREATED ${direct} one, edited`,
      `MESSAGE_CREATED ${direct} two`,
      `MESSAGE_EDITED ${direct} one, edited`,
    ]);
    expect(inGroup).toEqual([
      `CONVERSATION_CREATED ${group.conversationId} Group "Trio" created with 3 members`,
      `MESSAGE_CREATED ${group.conversationId} in the group`,
    ]);
    expect(seen).toHaveLength(5);
    // Each event's own cursor resumes right after it.
    const resumed = await page(alice, seen[2]!.cursor);
    expect(resumed.nodes.map(summary)).toEqual(seen.slice(3).map(summary));
    expect(await page(alice, after)).toMatchObject({ nodes: [], hasMore: false });
  });

  it('replays what a device missed on another instance, then goes live, with no gap and no duplicate', async () => {
    const [alice, bob] = (await createUsers(env.stores, 'Alice', 'Bob')) as [TestUser, TestUser];
    const live = subscribe(alice, null, 0);
    await waitForSubscriptions(env.system.ws[0]!, 1);
    const hello = await send(bob, alice, 'hello');
    const seenLive = await next(live);
    expect(summary(seenLive)).toBe(`MESSAGE_CREATED ${hello.conversationId} hello`);
    live.stop();

    // Offline: two messages and a reaction, through both API instances.
    const missed = await send(bob, alice, 'while away 1', 1);
    await send(bob, alice, 'while away 2', 0);
    await graphqlOk(api(1), AddReactionDocument, { messageId: missed.id, emoji: '👍' }, bob.token);

    const resumed = subscribe(alice, seenLive.cursor, 1);
    const replayed = [await next(resumed), await next(resumed), await next(resumed)];
    expect(replayed.map((event) => event.type)).toEqual(['MESSAGE_CREATED', 'MESSAGE_CREATED', 'REACTION_ADDED']);
    expect(replayed.map((event) => event.message?.message)).toEqual(['while away 1', 'while away 2', 'while away 1']);
    expect(replayed[2]!.message?.reactions).toEqual([
      { emoji: '👍', count: 1, viewerHasReacted: false, userIds: [bob.id] },
    ]);
    await waitForSubscriptions(env.system.ws[1]!, 1);
    const after = await send(bob, alice, 'back live', 1);
    expect(summary(await next(resumed))).toBe(`MESSAGE_CREATED ${after.conversationId} back live`);
    // Nothing more: no second copy of anything.
    await expect(resumed.next(800)).rejects.toThrow(/no subscription event/);
  });

  it('fills a live gap from MongoDB when a publish never arrives (Redis pub/sub is at-most-once)', async () => {
    const [alice, bob] = (await createUsers(env.stores, 'Alice', 'Bob')) as [TestUser, TestUser];
    // An API instance on a Redis of its own: what it stores reaches MongoDB, its publishes nobody.
    const strayRedis = await startRedis({ dir: mkdtempSync(join(tmpdir(), 'stray-redis-')) });
    const stray = await spawnServiceProcess(env.stores, 'api', { REDIS_URL: strayRedis.url, RATE_LIMITS: 'off' });
    try {
      const strayApi = { url: stray.url.replace(/\/graphql$/, '') } as ApiServer;
      const stream = subscribe(alice, null, 0);
      await waitForSubscriptions(env.system.ws[0]!, 1);
      await send(bob, alice, 'first', 0);
      expect((await next(stream)).message?.message).toBe('first');
      await graphqlOk(strayApi, SendMessageDocument, { input: { targetUserId: alice.id, message: 'lost' } }, bob.token);
      await expect(stream.next(500)).rejects.toThrow(/no subscription event/);
      // The next live message is one position too far: the stream reads the one it missed first.
      await send(bob, alice, 'third', 1);
      expect([(await next(stream)).message?.message, (await next(stream)).message?.message]).toEqual(['lost', 'third']);
      await expect(stream.next(500)).rejects.toThrow(/no subscription event/);
      // The same for Alice's journal: a read whose publish is lost comes with the next one.
      await graphqlOk(strayApi, MarkConversationReadDocument, { targetUserId: bob.id }, alice.token);
      const fourth = await send(bob, alice, 'fourth', 0);
      expect((await next(stream)).message?.message).toBe('fourth');
      await graphqlOk(
        api(1),
        MarkAsReadDocument,
        { conversationId: fourth.conversationId, messageIds: [fourth.id] },
        alice.token,
      );
      const reads = [await next(stream), await next(stream)];
      expect(reads.map((event) => [event.type, event.readSeq])).toEqual([
        ['MESSAGES_READ', 3],
        ['MESSAGES_READ', 4],
      ]);
    } finally {
      await stray.kill();
      await strayRedis.stop();
    }
  });

  it('executes a group event once for every member and device, each with its own cursor', async () => {
    const [ann, ben, cat] = (await createUsers(env.stores, 'Ann', 'Ben', 'Cat')) as [TestUser, TestUser, TestUser];
    const group = (
      await graphqlOk(api(), CreateGroupDocument, { input: { title: 'Once', memberIds: [ben.id, cat.id] } }, ann.token)
    ).createGroup;
    const ws = env.system.ws[0]!;
    // Cat first: she then hears Ben come online (once, whatever his devices), and nothing else.
    const catStream = subscribe(cat, null, 0);
    await waitForSubscriptions(ws, 1);
    const viewers = [cat, ben, ben];
    const streams = [catStream, subscribe(ben, null, 0), subscribe(ben, null, 0)];
    await waitForSubscriptions(ws, streams.length);
    expect(await next(catStream)).toMatchObject({ type: 'PRESENCE', actorId: ben.id, status: 'USER_ONLINE' });
    const executed = ws.stats.snapshot().eventsExecuted;
    await send(ann, group.conversationId, 'to everyone');
    const received = await Promise.all(streams.map(next));
    expect(ws.stats.snapshot().eventsExecuted - executed).toBe(1);
    expect(received.map((event) => event.message?.message)).toEqual(['to everyone', 'to everyone', 'to everyone']);
    // Each stream started from a checkpoint of its own: three different cursors, each resuming
    // right after the message for its own user.
    expect(new Set(received.map((event) => event.cursor)).size).toBe(3);
    for (const [index, event] of received.entries()) {
      expect((await page(viewers[index]!, event.cursor)).nodes).toEqual([]);
    }
  });

  it("carries read receipts durably: to the reader's devices and the sender, live and replayed once", async () => {
    const [alice, bob] = (await createUsers(env.stores, 'Alice', 'Bob')) as [TestUser, TestUser];
    const sent = [await send(bob, alice, 'read me'), await send(bob, alice, 'me too')];
    const conversationId = sent[0]!.conversationId;
    const [aliceStart, bobStart] = [await cursorOf(alice), await cursorOf(bob)];
    const bobLive = subscribe(bob, null, 1);
    await waitForSubscriptions(env.system.ws[1]!, 1);

    expect(
      (await graphqlOk(api(1), MarkConversationReadDocument, { targetUserId: bob.id }, alice.token))
        .markConversationRead,
    ).toBe(2);
    const receipt = {
      type: 'MESSAGES_READ',
      actorId: alice.id,
      conversationId,
      readSeq: 2,
      messageIds: sent.map((message) => message.id),
    };
    expect(await next(bobLive)).toMatchObject(receipt);
    // Replayed once for each of them (Alice's other devices learn her read too), then nothing.
    for (const [user, start] of [
      [alice, aliceStart],
      [bob, bobStart],
    ] as const) {
      const replay = await page(user, start);
      expect(replay.nodes).toEqual([expect.objectContaining(receipt)]);
      expect((await page(user, replay.nodes[0]!.cursor)).nodes).toEqual([]);
    }
    // Reading nothing new records nothing.
    await graphqlOk(api(), MarkConversationReadDocument, { targetUserId: bob.id }, alice.token);
    expect((await page(bob, bobStart)).nodes).toHaveLength(1);
  });

  it("keeps a read across a block, and a group read, to the reader's own devices", async () => {
    const [alice, bob, carol] = (await createUsers(env.stores, 'Alice', 'Bob', 'Carol')) as [
      TestUser,
      TestUser,
      TestUser,
    ];
    const hello = await send(bob, alice, 'before the block');
    await graphqlOk(api(), BlockUserDocument, { userId: bob.id }, alice.token);
    const group = (
      await graphqlOk(
        api(),
        CreateGroupDocument,
        { input: { title: 'Reads', memberIds: [alice.id, carol.id] } },
        bob.token,
      )
    ).createGroup;
    const inGroup = await send(carol, group.conversationId, 'group news');
    const [aliceStart, bobStart, carolStart] = [await cursorOf(alice), await cursorOf(bob), await cursorOf(carol)];

    await graphqlOk(
      api(),
      MarkAsReadDocument,
      { conversationId: hello.conversationId, messageIds: [hello.id] },
      alice.token,
    );
    await graphqlOk(api(), MarkConversationReadDocument, { conversationId: group.conversationId }, alice.token);
    expect((await page(alice, aliceStart)).nodes.map((event) => [event.type, event.conversationId])).toEqual([
      ['MESSAGES_READ', hello.conversationId],
      ['MESSAGES_READ', group.conversationId],
    ]);
    expect((await page(alice, aliceStart)).nodes[1]).toMatchObject({ readSeq: inGroup.seq });
    expect((await page(bob, bobStart)).nodes).toEqual([]);
    expect((await page(carol, carolStart)).nodes).toEqual([]);
  });

  it('stores chats started and ended for both people, blocks and scheduled outcomes for their owner', async () => {
    const [alice, bob, carol] = (await createUsers(env.stores, 'Alice', 'Bob', 'Carol')) as [
      TestUser,
      TestUser,
      TestUser,
    ];
    const [aliceStart, bobStart, carolStart] = [await cursorOf(alice), await cursorOf(bob), await cursorOf(carol)];
    const started = (await graphqlOk(api(), StartChatDocument, { targetUserId: bob.id }, alice.token)).startChat;
    await graphqlOk(api(1), EndChatDocument, { targetUserId: alice.id }, bob.token);
    await graphqlOk(api(), BlockUserDocument, { userId: carol.id }, alice.token);
    await graphqlOk(api(1), UnblockUserDocument, { userId: carol.id }, alice.token);
    const inAMoment = new Date(Date.now() + 1_500).toISOString();
    const scheduled = (
      await graphqlOk(
        api(),
        ScheduleMessageDocument,
        { input: { targetUserId: bob.id, message: 'later' }, sendAt: inAMoment },
        alice.token,
      )
    ).scheduleMessage;
    const types = (events: UserEventFieldsFragment[]) => events.map((event) => event.type);
    let aliceEvents: UserEventFieldsFragment[] = [];
    await eventually(async () => {
      aliceEvents = (await page(alice, aliceStart)).nodes;
      return aliceEvents.some((event) => event.type === 'SCHEDULED_SENT');
    });
    expect(types(aliceEvents)).toEqual([
      'CHAT_STARTED',
      'CHAT_ENDED',
      'BLOCKED',
      'UNBLOCKED',
      'MESSAGE_CREATED',
      'SCHEDULED_SENT',
    ]);
    const sentMessage = aliceEvents.find((event) => event.type === 'MESSAGE_CREATED')!;
    expect(aliceEvents.find((event) => event.type === 'SCHEDULED_SENT')).toMatchObject({
      actorId: alice.id,
      conversationId: started.conversationId,
      scheduledMessageId: scheduled.id,
      messageId: sentMessage.messageId,
    });
    expect(aliceEvents.filter((event) => event.type.endsWith('BLOCKED'))).toEqual([
      expect.objectContaining({ type: 'BLOCKED', actorId: alice.id, userIds: [carol.id] }),
      expect.objectContaining({ type: 'UNBLOCKED', actorId: alice.id, userIds: [carol.id] }),
    ]);
    // Bob: the chat started by Alice, ended by himself, and the message; nothing of Alice's own.
    expect((await page(bob, bobStart)).nodes.map((event) => [event.type, event.actorId])).toEqual([
      ['CHAT_STARTED', alice.id],
      ['CHAT_ENDED', bob.id],
      ['MESSAGE_CREATED', alice.id],
    ]);
    // Carol learns nothing of being blocked.
    expect((await page(carol, carolStart)).nodes).toEqual([]);
  });

  it('stores an ended chat for the other person only where no block stands between them', async () => {
    const [alice, carol] = (await createUsers(env.stores, 'Alice', 'Carol')) as [TestUser, TestUser];
    await graphqlOk(api(), BlockUserDocument, { userId: carol.id }, alice.token);
    const [aliceStart, carolStart] = [await cursorOf(alice), await cursorOf(carol)];
    await graphqlOk(api(), EndChatDocument, { targetUserId: alice.id }, carol.token);
    expect((await page(carol, carolStart)).nodes.map((event) => event.type)).toEqual(['CHAT_ENDED']);
    expect((await page(alice, aliceStart)).nodes).toEqual([]);
  });

  it('stores a scheduled message that could not be sent, with why, for its sender only', async () => {
    const [alice, bob] = (await createUsers(env.stores, 'Alice', 'Bob')) as [TestUser, TestUser];
    const [aliceStart, bobStart] = [await cursorOf(alice), await cursorOf(bob)];
    const scheduled = (
      await graphqlOk(
        api(),
        ScheduleMessageDocument,
        {
          input: { targetUserId: bob.id, message: 'you will not get this' },
          sendAt: new Date(Date.now() + 1_500).toISOString(),
        },
        alice.token,
      )
    ).scheduleMessage;
    await graphqlOk(api(), BlockUserDocument, { userId: alice.id }, bob.token);
    const failed = await eventually(async () =>
      (await page(alice, aliceStart)).nodes.find((event) => event.type === 'SCHEDULED_FAILED'),
    );
    expect(failed).toMatchObject({ actorId: alice.id, scheduledMessageId: scheduled.id, failureCode: 'BLOCKED' });
    expect(failed.failure).toEqual(expect.any(String));
    expect((await page(bob, bobStart)).nodes.map((event) => event.type)).toEqual(['BLOCKED']);
  });

  it("carries another member's read in a group live only", async () => {
    const [ann, ben, cat] = (await createUsers(env.stores, 'Ann', 'Ben', 'Cat')) as [TestUser, TestUser, TestUser];
    const group = (
      await graphqlOk(api(), CreateGroupDocument, { input: { title: 'Seen', memberIds: [ben.id, cat.id] } }, ann.token)
    ).createGroup;
    const news = await send(cat, group.conversationId, 'news');
    const benStart = await cursorOf(ben);
    const benLive = subscribe(ben, null, 0);
    await waitForSubscriptions(env.system.ws[0]!, 1);
    await graphqlOk(api(1), MarkConversationReadDocument, { conversationId: group.conversationId }, ann.token);
    expect(await next(benLive)).toMatchObject({
      type: 'MESSAGES_READ',
      actorId: ann.id,
      conversationId: group.conversationId,
      readSeq: news.seq,
      cursor: expect.any(String),
    });
    expect((await page(ben, benStart)).nodes).toEqual([]);
  });

  it('keeps its cursor short when many conversations move, and resumes exactly', async () => {
    const [alice, ...others] = (await createUsers(
      env.stores,
      'Alice',
      ...Array.from({ length: 11 }, (_, i) => `Peer${i}`),
    )) as TestUser[];
    const start = await cursorOf(alice!);
    for (const [index, peer] of others.entries()) await send(peer, alice!, `from peer ${index}`, index % 2);
    const all = await page(alice!, start);
    expect(all.nodes.map((event) => event.message?.message).sort()).toEqual(
      others.map((_, i) => `from peer ${i}`).sort(),
    );
    // Eleven conversations moved; every cursor still names a checkpoint and at most 8 of them.
    for (const event of all.nodes) expect(event.cursor.length).toBeLessThan(1_000);
    const middle = all.nodes[5]!;
    expect((await page(alice!, middle.cursor)).nodes.map(summary)).toEqual(all.nodes.slice(6).map(summary));
    expect((await page(alice!, all.endCursor)).nodes).toEqual([]);
  });

  it('carries typing live only, ending it when the typer goes quiet', async () => {
    const [alice, bob] = (await createUsers(env.stores, 'Alice', 'Bob')) as [TestUser, TestUser];
    const hello = await send(bob, alice, 'hi');
    const stream = subscribe(alice, null, 1);
    await waitForSubscriptions(env.system.ws[1]!, 1);
    await graphqlOk(api(), SetTypingDocument, { targetUserId: alice.id, isTyping: true }, bob.token);
    const typing = await next(stream);
    expect(typing).toMatchObject({
      type: 'TYPING',
      actorId: bob.id,
      conversationId: hello.conversationId,
      isTyping: true,
    });
    expect(await next(stream)).toMatchObject({ type: 'TYPING', actorId: bob.id, isTyping: false });
    // Live only: a page after the cursor of the typing event has nothing in it.
    expect((await page(alice, typing.cursor)).nodes).toEqual([]);
  });

  it('ends a subscription whose cursor is not kept, and lets go of its Redis topics', async () => {
    const [alice, bob] = (await createUsers(env.stores, 'Alice', 'Bob')) as [TestUser, TestUser];
    const stream = subscribe(alice, await cursorOf(bob), 0);
    expect((await stream.next()).errors?.[0]?.extensions?.['code']).toBe('RESYNC_REQUIRED');
    const redis = new Redis(env.stores.redisUrl);
    try {
      await eventually(async () => {
        const counts = (await redis.pubsub('NUMSUB', `user:${alice.id}:messages`, `user:${alice.id}:journal`)) as Array<
          string | number
        >;
        return counts[1] === 0 && counts[3] === 0;
      });
    } finally {
      redis.disconnect();
    }
  });

  it('refuses cursors that are not one, or not mine, and eventCursor of anyone else', async () => {
    const [alice, bob] = (await createUsers(env.stores, 'Alice', 'Bob')) as [TestUser, TestUser];
    const codeOf = async (user: TestUser, after: string) =>
      (await graphqlHttp(api(), UserEventsDocument, { after }, user.token)).body.errors?.[0]?.extensions?.['code'];
    expect(await codeOf(alice, 'not a cursor')).toBe('BAD_USER_INPUT');
    expect(await codeOf(alice, Buffer.from('ue1|abc|').toString('base64url'))).toBe('BAD_USER_INPUT');
    expect(await codeOf(alice, 'x'.repeat(5_000))).toBe('BAD_USER_INPUT');
    expect(await codeOf(alice, await cursorOf(bob))).toBe('RESYNC_REQUIRED');
    const { body } = await graphqlHttp(
      api(),
      SendMessageDocument,
      { input: { targetUserId: bob.id, message: 'x' } },
      alice.token,
    );
    expect(body.errors).toBeUndefined();
    const other = await fetch(`${api().url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${alice.token}` },
      body: JSON.stringify({ query: `{ conversations { otherUser { eventCursor } } }` }),
    });
    const answer = (await other.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
    expect(answer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

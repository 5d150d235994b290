import jwt from 'jsonwebtoken';
import { Redis } from 'ioredis';
import { NewMessageDocument } from '../../src/client/graphql';
import { chatActions } from '../helpers/chat';
import { SubscriptionProbe, waitForNoSubscriptions, waitForSubscriptions, wsClient } from '../helpers/clients';
import { RawGraphqlSocket } from '../helpers/raw-socket';
import { TEST_JWT_SECRET, useTestSystem } from '../helpers/system';
import { createUsers, type TestUser } from '../helpers/users';

describe('graphql-ws limits', () => {
  const env = useTestSystem({
    env: { WS_MAX_SUBSCRIPTIONS_PER_SOCKET: '3', WS_MAX_SOCKETS_PER_USER: '2', MAX_SUBSCRIPTIONS_PER_USER: '4' },
  });
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  /** Three different newMessage operations that all receive Bob's messages to Alice. */
  const aliceInboxes = () => [{}, { targetUserId: bob.id }, { conversationId: [alice.id, bob.id].sort().join('_') }];
  const sockets: Array<{ dispose(): void | Promise<void> }> = [];

  beforeAll(async () => {
    [alice, bob, carol] = (await createUsers(env.stores, 'Alice', 'Bob', 'Carol')) as [TestUser, TestUser, TestUser];
  });

  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((socket) => socket.dispose()));
    await waitForNoSubscriptions(env.system.ws[0]!);
  });

  it('refuses a 4th concurrent subscription on one socket with a clear error, keeps the others, and frees the slot of one that ends', async () => {
    const ws = env.system.ws[0]!;
    const client = wsClient(ws, { token: alice.token });
    sockets.push(client);
    const probes = aliceInboxes().map((variables) => new SubscriptionProbe(client, NewMessageDocument, variables));
    await waitForSubscriptions(ws, 3);
    const fourth = new SubscriptionProbe(client, NewMessageDocument, { targetUserId: carol.id });
    await expect(fourth.next()).rejects.toThrow(/TOO_MANY_SUBSCRIPTIONS/);

    probes[0]!.stop();
    await waitForSubscriptions(ws, 2);
    const replacement = new SubscriptionProbe(client, NewMessageDocument, {});
    await waitForSubscriptions(ws, 3);
    // The replacement and both survivors are live: each receives the next message.
    const sent = await chatActions(env.system.api).send(bob, alice, 'to every live subscription');
    for (const live of [replacement, probes[1]!, probes[2]!]) {
      expect((await live.next()).data?.newMessage.id).toBe(sent.id);
    }
  });

  it('refuses the same operation twice on one socket, and allows it on another', async () => {
    const ws = env.system.ws[0]!;
    const [phone, laptop] = [wsClient(ws, { token: alice.token }), wsClient(ws, { token: alice.token })];
    sockets.push(phone, laptop);
    const first = new SubscriptionProbe(phone, NewMessageDocument, { targetUserId: bob.id });
    await waitForSubscriptions(ws, 1);
    const again = new SubscriptionProbe(phone, NewMessageDocument, { targetUserId: bob.id });
    await expect(again.next()).rejects.toThrow(/DUPLICATE_SUBSCRIPTION/);
    const elsewhere = new SubscriptionProbe(laptop, NewMessageDocument, { targetUserId: bob.id });
    await waitForSubscriptions(ws, 2);
    const sent = await chatActions(env.system.api).send(bob, alice, 'once per device');
    for (const live of [first, elsewhere]) expect((await live.next()).data?.newMessage.id).toBe(sent.id);
  });

  it("counts subscriptions per user across their sockets, and frees a closed socket's share", async () => {
    const ws = env.system.ws[0]!;
    const phone = wsClient(ws, { token: alice.token });
    const laptop = wsClient(ws, { token: alice.token });
    sockets.push(phone, laptop);
    aliceInboxes().forEach((variables) => new SubscriptionProbe(phone, NewMessageDocument, variables));
    await waitForSubscriptions(ws, 3);
    const fourth = new SubscriptionProbe(laptop, NewMessageDocument, {});
    await waitForSubscriptions(ws, 4);
    const fifth = new SubscriptionProbe(laptop, NewMessageDocument, { targetUserId: bob.id });
    await expect(fifth.next()).rejects.toThrow(/TOO_MANY_SUBSCRIPTIONS.*per user|per user.*TOO_MANY_SUBSCRIPTIONS/);
    // Another user is not affected by Alice's count.
    const bobs = wsClient(ws, { token: bob.token });
    sockets.push(bobs);
    const bobInbox = new SubscriptionProbe(bobs, NewMessageDocument, {});
    await waitForSubscriptions(ws, 5);

    await phone.dispose();
    await waitForSubscriptions(ws, 2);
    const afterClose = new SubscriptionProbe(laptop, NewMessageDocument, { targetUserId: bob.id });
    await waitForSubscriptions(ws, 3);
    const sent = await chatActions(env.system.api).send(bob, alice, 'to the laptop');
    for (const live of [fourth, afterClose]) expect((await live.next()).data?.newMessage.id).toBe(sent.id);
    expect((await bobInbox.next()).data?.newMessage.id).toBe(sent.id);
  });

  it('closes a third socket of the same user with 1008 and a reason', async () => {
    const first = wsClient(env.system.ws[0]!, { token: bob.token });
    const second = wsClient(env.system.ws[0]!, { token: bob.token });
    sockets.push(first, second);
    await Promise.all([first, second].map((client) => new Promise((resolve) => client.on('connected', resolve))));
    const third = wsClient(env.system.ws[0]!, { token: bob.token });
    sockets.push(third);
    const closed = await third.closed;
    expect(closed.code).toBe(1008);
    expect(closed.reason).toMatch(/At most 2 connections per user/);
  });

  it('closes a socket with 4403 when its token expires', async () => {
    const shortLived = jwt.sign({ sub: alice.id, exp: Math.floor(Date.now() / 1000) + 2 }, TEST_JWT_SECRET);
    const client = wsClient(env.system.ws[0]!, { token: shortLived });
    sockets.push(client);
    await new Promise((resolve) => client.on('connected', resolve));
    const openedAt = Date.now();
    const closed = await client.closed;
    expect(closed).toEqual({ code: 4403, reason: 'Token expired: reconnect with a new token' });
    expect(Date.now() - openedAt).toBeLessThan(3_500);
  });

  it('disconnects a subscriber that stops reading with the retryable 1013 instead of buffering without bound', async () => {
    const publisher = new Redis(env.stores.redisUrl);
    // Redis itself drops a subscriber connection whose output buffer passes 32 MB (its default
    // pubsub limit): on a loaded machine the WS instance's subscriber fell that far behind, Redis
    // cut it, the events were lost before they reached the queue, and nothing overflowed (seen
    // in CI and reproduced locally, "redis connection lost" in the log). This test is about the
    // queue's bound, not Redis', so Redis keeps everything here.
    const limit = (await publisher.config('GET', 'client-output-buffer-limit')) as string[];
    await publisher.config('SET', 'client-output-buffer-limit', 'pubsub 0 0 0');
    const text = 'x'.repeat(4000);
    const event = (i: number) =>
      JSON.stringify({
        kind: 'MESSAGE_CREATED',
        message: {
          id: `${i}`.padStart(24, '0'),
          conversationId: [alice.id, bob.id].sort().join('_'),
          seq: i,
          senderId: alice.id,
          receiverId: bob.id,
          message: text,
          messageType: 'text',
          attachmentUrl: null,
          clientMessageId: `c${i}`,
          isRead: false,
          readAt: null,
          createdAt: new Date().toISOString(),
          updatedAt: new Date().toISOString(),
        },
      });

    /** One reader that stops reading while at most 20,000 events are published to it. */
    const flood = async () => {
      const socket = await RawGraphqlSocket.open(env.system.ws[0]!.url);
      await socket.init(bob.token);
      socket.subscribe('1', 'subscription { newMessage { id message } }');
      await waitForSubscriptions(env.system.ws[0]!, 1);
      socket.pauseReading();
      let closedAt: number | null = null;
      void socket.closed.then(() => (closedAt = Date.now()));
      // Bounded batches until the server gives up on the reader; each batch's round trip to Redis
      // lets the close be seen before the next.
      let published = 0;
      for (let batch = 0; batch < 40 && closedAt === null; batch += 1) {
        const pipeline = publisher.pipeline();
        for (let i = 0; i < 500; i += 1) pipeline.publish(`user:${bob.id}:messages`, event((published += 1)));
        await pipeline.exec();
      }
      socket.resumeReading();
      const closed = await socket.waitForClose().catch(() => null);
      let delivered = socket.received.filter((frame) => frame.type === 'next').length;
      if (!closed) {
        // Still open: did the transport take every event (then the server never had to queue),
        // or did events go missing? The last one arriving tells.
        const lastId = `${published}`.padStart(24, '0');
        const last = (frame: { type?: string; payload?: unknown }) =>
          frame.type === 'next' &&
          (frame.payload as { data?: { newMessage?: { id?: string } } }).data?.newMessage?.id === lastId;
        await socket.waitFor(last, 'the last event', 30_000).catch(() => undefined);
        delivered = socket.received.filter((frame) => frame.type === 'next').length;
        socket.terminate();
      }
      await waitForNoSubscriptions(env.system.ws[0]!);
      return { closed, delivered, published };
    };

    try {
      // The premise is a reader the server cannot write to. On a loaded machine loopback TCP was
      // seen absorbing all 80 MB for a paused reader (the server's writes completed, so it never
      // had to queue and rightly never closed); such an attempt proves nothing and is made
      // again. Anything else without a 1013 (events dropped, or queued without bound) fails.
      for (let attempt = 1; ; attempt += 1) {
        const { closed, delivered, published } = await flood();
        if (closed) {
          expect(closed.code).toBe(1013);
          break;
        }
        expect({ attempt, delivered }).toEqual({ attempt: expect.any(Number), delivered: published });
        if (attempt >= 3) throw new Error('three readers that stopped reading were all written to in full');
      }
    } finally {
      await publisher.config('SET', 'client-output-buffer-limit', limit[1]!);
      publisher.disconnect();
    }
  }, 150_000);
});

describe('graphql-ws keep-alive', () => {
  const env = useTestSystem({ env: { WS_KEEP_ALIVE_MS: '300' } });

  it('terminates a socket that stops answering pings, and frees its subscriptions', async () => {
    const [alice] = (await createUsers(env.stores, 'Alice')) as [TestUser];
    // autoPong off: the client's network stack is "dead" as far as the server can tell.
    const socket = await RawGraphqlSocket.open(env.system.ws[0]!.url, { autoPong: false });
    await socket.init(alice.token);
    socket.subscribe('k', 'subscription { newMessage { id } }');
    await waitForSubscriptions(env.system.ws[0]!, 1);
    expect((await socket.waitForClose()).code).toBe(1006); // terminated, no close frame
    await waitForNoSubscriptions(env.system.ws[0]!);
  });
});

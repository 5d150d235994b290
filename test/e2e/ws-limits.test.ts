import jwt from 'jsonwebtoken';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { NewMessageDocument } from '../../src/client/graphql';
import { SubscriptionProbe, waitForNoSubscriptions, waitForSubscriptions, wsClient } from '../helpers/clients';
import { startTestDatastores, type TestDatastores } from '../helpers/datastores';
import { startSystem, TEST_JWT_SECRET, type TestSystem } from '../helpers/system';
import { createUsers, type TestUser } from '../helpers/users';

describe('graphql-ws limits', () => {
  let stores: TestDatastores;
  let system: TestSystem;
  let alice: TestUser;
  let bob: TestUser;
  const sockets: Array<{ dispose(): void | Promise<void> }> = [];

  beforeAll(async () => {
    stores = await startTestDatastores();
    system = await startSystem(stores, {
      env: { WS_MAX_SUBSCRIPTIONS_PER_SOCKET: '3', WS_MAX_SOCKETS_PER_USER: '2' },
    });
    [alice, bob] = (await createUsers(stores, 'Alice', 'Bob')) as [TestUser, TestUser];
  });

  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((socket) => socket.dispose()));
  });

  afterAll(async () => {
    await system?.stop();
    await stores?.dispose();
  });

  it('refuses a 4th concurrent subscription on one socket with a clear error, and keeps the others', async () => {
    const client = wsClient(system.ws[0]!, { token: alice.token });
    sockets.push(client);
    const probes = [1, 2, 3].map(() => new SubscriptionProbe(client, NewMessageDocument, {}));
    await waitForSubscriptions(system.ws[0]!, 3);
    const fourth = new SubscriptionProbe(client, NewMessageDocument, {});
    await expect(fourth.next()).rejects.toThrow(/TOO_MANY_SUBSCRIPTIONS/);
    probes[0]!.stop();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const again = new SubscriptionProbe(client, NewMessageDocument, {});
    await waitForSubscriptions(system.ws[0]!, 3);
    again.stop();
  });

  it('closes a third socket of the same user with 1008 and a reason', async () => {
    const first = wsClient(system.ws[0]!, { token: bob.token });
    const second = wsClient(system.ws[0]!, { token: bob.token });
    sockets.push(first, second);
    await Promise.all([first, second].map((client) => new Promise((resolve) => client.on('connected', resolve))));
    const third = wsClient(system.ws[0]!, { token: bob.token });
    sockets.push(third);
    const closed = await third.closed;
    expect(closed.code).toBe(1008);
    expect(closed.reason).toMatch(/At most 2 connections per user/);
  });

  it('closes a socket with 4403 when its token expires', async () => {
    const shortLived = jwt.sign({ sub: alice.id, exp: Math.floor(Date.now() / 1000) + 2 }, TEST_JWT_SECRET);
    const client = wsClient(system.ws[0]!, { token: shortLived });
    sockets.push(client);
    await new Promise((resolve) => client.on('connected', resolve));
    const openedAt = Date.now();
    const closed = await client.closed;
    expect(closed).toEqual({ code: 4403, reason: 'Token expired: reconnect with a new token' });
    expect(Date.now() - openedAt).toBeLessThan(3_500);
  });

  it('disconnects a subscriber that stops reading with the retryable 1013 instead of buffering without bound', async () => {
    const socket = new WebSocket(system.ws[0]!.url, 'graphql-transport-ws');
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { token: bob.token } }));
    await new Promise((resolve) => socket.once('message', resolve));
    socket.send(
      JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { newMessage { id message } }' } }),
    );
    await waitForSubscriptions(system.ws[0]!, 1);
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    // Stop reading: the kernel buffers fill, then the server's per-subscription queue.
    (socket as unknown as { _socket: { pause(): void } })._socket.pause();

    const publisher = new Redis(stores.redisUrl);
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
    let code: number | null = null;
    void closed.then((value) => (code = value));
    for (let batch = 0; batch < 40 && code === null; batch += 1) {
      const pipeline = publisher.pipeline();
      for (let i = 0; i < 500; i += 1) pipeline.publish(`user:${bob.id}:messages`, event(batch * 500 + i + 1));
      await pipeline.exec();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    (socket as unknown as { _socket: { resume(): void } })._socket.resume();
    expect(await closed).toBe(1013);
    publisher.disconnect();
  }, 30_000);
});

describe('graphql-ws keep-alive', () => {
  let stores: TestDatastores;
  let keepAlive: TestSystem;
  let alice: TestUser;

  beforeAll(async () => {
    stores = await startTestDatastores();
    keepAlive = await startSystem(stores, { env: { WS_KEEP_ALIVE_MS: '300' } });
    [alice] = (await createUsers(stores, 'Alice')) as [TestUser];
  });

  afterAll(async () => {
    await keepAlive?.stop();
    await stores?.dispose();
  });

  it('terminates a socket that stops answering pings, and frees its subscriptions', async () => {
    // autoPong off: the client's network stack is "dead" as far as the server can tell.
    const socket = new WebSocket(keepAlive.ws[0]!.url, 'graphql-transport-ws', { autoPong: false });
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { token: alice.token } }));
    await new Promise((resolve) => socket.once('message', resolve));
    socket.send(
      JSON.stringify({ id: 'k', type: 'subscribe', payload: { query: 'subscription { newMessage { id } }' } }),
    );
    await waitForSubscriptions(keepAlive.ws[0]!, 1);
    const code = await new Promise<number>((resolve) => socket.once('close', (closeCode) => resolve(closeCode)));
    expect(code).toBe(1006); // terminated, no close frame
    await waitForNoSubscriptions(keepAlive.ws[0]!);
  });
});

import { request as httpRequest } from 'node:http';
import WebSocket from 'ws';
import { Redis } from 'ioredis';
import { MessagesDocument, NewMessageDocument, SendMessageDocument } from '../../src/client/graphql';
import { graphqlOk, SubscriptionProbe, waitForNoSubscriptions, wsClient } from '../helpers/clients';
import { spawnServiceProcess, spawnWsProcess, useTestSystem } from '../helpers/system';
import { createUsers, type TestUser } from '../helpers/users';

describe('WS instance shutdown, concurrency and churn', () => {
  const env = useTestSystem({ apiInstances: 2 });

  it('on SIGTERM closes clients with 1001 and exits 0; they resume on another instance and lose nothing', async () => {
    const [alice, bob] = (await createUsers(env.stores, 'Alice', 'Bob')) as [TestUser, TestUser];
    const doomed = await spawnWsProcess(env.stores);
    const client = wsClient(doomed, { token: bob.token });
    const first = new SubscriptionProbe(client, NewMessageDocument, { targetUserId: alice.id });
    const send = (text: string) =>
      graphqlOk(
        env.system.api,
        SendMessageDocument,
        { input: { targetUserId: bob.id, message: text } },
        alice.token,
      ).then((r) => r.sendMessage);
    // Wait until the doomed instance delivers, so the subscription is live there.
    let seen = await send('hello');
    for (;;) {
      try {
        if ((await first.next(500)).data?.newMessage.id === seen.id) break;
      } catch {
        seen = await send('hello again');
      }
    }

    expect(await doomed.terminate()).toBe(0);
    expect((await client.closed).code).toBe(1001);
    const missed = [await send('while reconnecting 1'), await send('while reconnecting 2')];

    const again = wsClient(env.system.ws[0]!, { token: bob.token });
    const resumed = new SubscriptionProbe(again, NewMessageDocument, { targetUserId: alice.id, after: seen.cursor });
    expect([(await resumed.next()).data?.newMessage.id, (await resumed.next()).data?.newMessage.id]).toEqual(
      missed.map((m) => m.id),
    );
    await client.dispose();
    await again.dispose();
  }, 30_000);

  it('drains the API service on SIGTERM: an in-flight request completes, then it exits 0', async () => {
    const [alice, bob] = (await createUsers(env.stores, 'Alice', 'Bob')) as [TestUser, TestUser];
    const api = await spawnServiceProcess(env.stores, 'api');
    const body = JSON.stringify({
      query: 'mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }',
      variables: { i: { targetUserId: bob.id, message: 'last words' } },
    });
    // Send half the body, so the request is certainly in flight when SIGTERM lands.
    const request = httpRequest(api.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        authorization: `Bearer ${alice.token}`,
      },
    });
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      request.on('response', (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      request.on('error', reject);
    });
    request.write(body.slice(0, 20));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const exitCode = api.terminate();
    await new Promise((resolve) => setTimeout(resolve, 100));
    request.end(body.slice(20));
    const answer = await response;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toMatchObject({ data: { sendMessage: { id: expect.any(String) } } });
    expect(await exitCode).toBe(0);
  });

  it('stores one message for 100 concurrent retries of one clientMessageId, all answers the same', async () => {
    const [alice, bob] = (await createUsers(env.stores, 'Alice', 'Bob')) as [TestUser, TestUser];
    const input = { targetUserId: bob.id, message: 'hundred taps', clientMessageId: 'tap-100' };
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        graphqlOk(env.system.apis[i % 2]!, SendMessageDocument, { input }, alice.token),
      ),
    );
    expect(new Set(answers.map((a) => `${a.sendMessage.id}/${a.sendMessage.seq}`)).size).toBe(1);
    expect(
      await env.stores.mongo.connection.collection('chatmessages').countDocuments({ clientMessageId: 'tap-100' }),
    ).toBe(1);
  }, 30_000);

  it('gives 1,000 concurrent sends from both sides distinct, gap-free seqs', async () => {
    const [alice, bob] = (await createUsers(env.stores, 'Alice', 'Bob')) as [TestUser, TestUser];
    const sends = Array.from({ length: 1000 }, (_, i) => {
      const [from, to] = i % 2 ? [alice, bob] : [bob, alice];
      return graphqlOk(
        env.system.apis[i % 2]!,
        SendMessageDocument,
        { input: { targetUserId: to.id, message: `c${i}` } },
        from.token,
      );
    });
    const seqs = (await Promise.all(sends)).map((r) => r.sendMessage.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    const newest = await graphqlOk(env.system.api, MessagesDocument, { targetUserId: bob.id, first: 100 }, alice.token);
    const order = newest.messages.nodes.map((m) => m.seq);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  }, 120_000);

  it('leaves no subscriptions, Redis channels or memory behind after 1,000 abrupt connect/subscribe/destroy cycles', async () => {
    const users = await createUsers(env.stores, ...Array.from({ length: 10 }, (_, i) => `Churn ${i}`));
    const ws = env.system.ws[0]!;
    const heapBefore = process.memoryUsage().heapUsed;
    const cycle = async (i: number) => {
      const user = users[i % users.length]!;
      const socket = new WebSocket(ws.url, 'graphql-transport-ws');
      await new Promise((resolve, reject) => {
        socket.once('open', resolve);
        socket.once('error', reject);
      });
      socket.send(JSON.stringify({ type: 'connection_init', payload: { token: user.token } }));
      await new Promise((resolve) => socket.once('message', resolve));
      socket.send(
        JSON.stringify({ id: 's', type: 'subscribe', payload: { query: 'subscription { newMessage { id } }' } }),
      );
      await new Promise((resolve) => setTimeout(resolve, 2));
      socket.terminate(); // no close frame: an abrupt disconnect
    };
    for (let batch = 0; batch < 50; batch += 1)
      await Promise.all(Array.from({ length: 20 }, (_, i) => cycle(batch * 20 + i)));

    await waitForNoSubscriptions(ws, 10_000);
    const deadline = Date.now() + 10_000;
    while (ws.stats.snapshot().connections > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ws.stats.snapshot()).toMatchObject({ connections: 0, connectedUsers: 0, activeSubscriptions: 0 });

    const admin = new Redis(env.stores.redisUrl);
    const channels = (await admin.pubsub('CHANNELS', 'user:*')) as string[];
    let subscribed = 0;
    for (const channel of channels) subscribed += Number((await admin.pubsub('NUMSUB', channel))[1]);
    admin.disconnect();
    expect(subscribed).toBe(0);
    // Generous bound: without cleanup, 1,000 live iterators and sockets would hold far more.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
  }, 120_000);
});

import { Redis } from 'ioredis';
import { MessagesDocument, NewMessageDocument, SendMessageDocument } from '../../src/client/graphql';
import {
  graphqlOk,
  SubscriptionProbe,
  waitForNoSubscriptions,
  waitForSubscriptions,
  wsClient,
} from '../helpers/clients';
import type { TestDatastores } from '../helpers/datastores';
import { eventually } from '../helpers/eventually';
import { useTestSystem, type TestSystem } from '../helpers/system';
import { createUsers, type TestUser } from '../helpers/users';

describe('Redis faults', () => {
  const env = useTestSystem({ ownRedis: true });
  let stores: TestDatastores;
  let system: TestSystem;
  let alice: TestUser;
  let bob: TestUser;
  const sockets: Array<{ dispose(): void | Promise<void> }> = [];
  const send = (text: string) =>
    graphqlOk(system.api, SendMessageDocument, { input: { targetUserId: bob.id, message: text } }, alice.token).then(
      (r) => r.sendMessage,
    );
  const healthy = async () => (await fetch(`${system.api.url}/health`)).status === 200;

  beforeAll(async () => {
    ({ stores, system } = env);
    [alice, bob] = (await createUsers(stores, 'Alice', 'Bob')) as [TestUser, TestUser];
  });

  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((socket) => socket.dispose()));
    await waitForNoSubscriptions(system.ws[0]!);
  });

  it('persists and confirms every send promptly while Redis is down; live delivery and resume work after', async () => {
    const client = wsClient(system.ws[0]!, { token: bob.token });
    sockets.push(client);
    const inbox = new SubscriptionProbe(client, NewMessageDocument, {});
    await waitForSubscriptions(system.ws[0]!, 1);
    const seen = await send('before the outage');
    expect((await inbox.next()).data?.newMessage.id).toBe(seen.id);

    await stores.stopRedis();
    const duringOutage = [];
    for (let i = 0; i < 5; i += 1) {
      const started = Date.now();
      duringOutage.push(await send(`during outage ${i}`));
      expect(Date.now() - started).toBeLessThan(2_000);
    }

    await stores.restartRedis();
    await eventually(healthy, { timeout: 15_000, what: '/health to be 200 again' });
    // The subscriber connection re-subscribes by itself; once Redis counts it, live delivery is back.
    const admin = new Redis(stores.redisUrl);
    await eventually(async () => Number((await admin.pubsub('NUMSUB', `user:${bob.id}:messages`))[1]) === 1, {
      timeout: 15_000,
      what: 'the subscription to be back in Redis',
    });
    admin.disconnect();
    const probe = await send('probe after restart');
    duringOutage.push(probe);
    expect((await inbox.next()).data?.newMessage.id).toBe(probe.id);

    // Resuming from the last message seen live returns everything since, each once, in order.
    const resumed = await graphqlOk(
      system.api,
      MessagesDocument,
      { targetUserId: alice.id, first: 50, after: seen.cursor },
      bob.token,
    );
    expect(resumed.messages.nodes.map((m) => m.id)).toEqual(duringOutage.map((m) => m.id));
  }, 40_000);

  it('recovers when its pub/sub connection is killed, without duplicates or leaked listeners', async () => {
    const client = wsClient(system.ws[0]!, { token: bob.token });
    sockets.push(client);
    const inbox = new SubscriptionProbe(client, NewMessageDocument, {});
    await waitForSubscriptions(system.ws[0]!, 1);
    const admin = new Redis(stores.redisUrl);
    const channel = `user:${bob.id}:messages`;
    const before = await admin.pubsub('NUMSUB', channel);
    expect(Number(before[1])).toBeGreaterThan(0);

    await admin.client('KILL', 'TYPE', 'pubsub');
    await eventually(async () => Number((await admin.pubsub('NUMSUB', channel))[1]) === Number(before[1]), {
      timeout: 15_000,
      what: 'the subscriber connection to re-subscribe',
    });
    const after = await send('after the kill');
    expect((await inbox.next()).data?.newMessage.id).toBe(after.id);
    // Delivery is in order, so if the marker comes next, no duplicate of `after` came in between.
    const marker = await send('marker');
    expect((await inbox.next()).data?.newMessage.id).toBe(marker.id);
    admin.disconnect();
  });

  it('logs and drops garbage published on a channel; subscribers keep receiving', async () => {
    const client = wsClient(system.ws[0]!, { token: bob.token });
    sockets.push(client);
    const inbox = new SubscriptionProbe(client, NewMessageDocument, {});
    await waitForSubscriptions(system.ws[0]!, 1);
    const admin = new Redis(stores.redisUrl);
    for (const garbage of ['not json', '{"kind":"MESSAGE_CREATED"}', '{"kind":"NOPE"}', 'null', '[1,2]']) {
      await admin.publish(`user:${bob.id}:messages`, garbage);
    }
    const real = await send('real one');
    expect((await inbox.next()).data?.newMessage.id).toBe(real.id);
    const marker = await send('marker');
    expect((await inbox.next()).data?.newMessage.id).toBe(marker.id);
    admin.disconnect();
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import {
  NewMessageDocument,
  PresenceDocument,
  SendMessageDocument,
  type MessageFieldsFragment,
} from '../../src/client/graphql';
import { conversationIdFor } from '../../src/domain/ids';
import { startRedisCluster, type EmbeddedRedisCluster } from '../../src/launcher/embedded-redis-topologies';
import { Topics } from '../../src/pubsub/topics';
import { sendUntilStored } from '../helpers/chat';
import { conversationSurvivesFailover } from '../helpers/failover';
import {
  graphqlHttp,
  graphqlOk,
  SubscriptionProbe,
  waitForStats,
  waitForSubscriptions,
  wsClient,
} from '../helpers/clients';
import { eventually } from '../helpers/eventually';
import { startTestDatastores, type TestDatastores } from '../helpers/datastores';
import { spawnWsProcess, startSystem, type TestSystem } from '../helpers/system';
import { createUsers, type TestUser } from '../helpers/users';

type Inbox = SubscriptionProbe<{ newMessage: { id: string } }>;

/**
 * Reads as many events as `expected` holds and checks them, then proves nothing else came (no
 * duplicate) with a marker: delivery is in order, so if the next event is a message sent after
 * them, nothing arrived in between.
 */
async function receiveExactly(inbox: Inbox, expected: readonly string[], sendMarker: () => Promise<string>) {
  const ids: string[] = [];
  for (let i = 0; i < expected.length; i += 1) ids.push((await inbox.next(10_000)).data!.newMessage.id);
  expect(ids).toEqual(expected);
  const marker = await sendMarker();
  expect((await inbox.next(10_000)).data?.newMessage.id).toBe(marker);
}

/**
 * The whole system on a Redis Cluster of three masters with a replica each, as a deployment that
 * outgrew one Redis runs it: two API and three WS instances, every Redis use (pub/sub on sharded
 * channels, leases, presence, rate limits) on the cluster.
 */
describe('on a Redis Cluster (3 masters + 3 replicas), 2 API and 3 WS instances', () => {
  let dir: string;
  let cluster: EmbeddedRedisCluster;
  let stores: TestDatastores;
  let system: TestSystem;
  const env = () => ({ REDIS_CLUSTER_NODES: cluster.seeds, RATE_LIMITS: 'on' });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'chat-test-cluster-'));
    cluster = await startRedisCluster({ dir });
    stores = await startTestDatastores();
    system = await startSystem(stores, { apiInstances: 2, wsInstances: 3, env: env() });
  }, 60_000);

  afterAll(async () => {
    await system?.stop();
    await stores?.dispose();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers each message once between users on different instances, over sharded channels only', async () => {
    const [alice, bob, carol, dave] = (await createUsers(stores, 'Alice', 'Bob', 'Carol', 'Dave')) as [
      TestUser,
      TestUser,
      TestUser,
      TestUser,
    ];
    const people = [alice, bob, carol];
    const clients = people.map((user, i) => wsClient(system.ws[i]!, { token: user.token }));
    const inboxes = clients.map((client) => new SubscriptionProbe(client, NewMessageDocument, {})) as Inbox[];
    for (const ws of system.ws) await waitForSubscriptions(ws, 1);

    // Each sends to the next through alternating API instances: every delivery crosses instances.
    const sent: MessageFieldsFragment[] = [];
    for (let round = 0; round < 3; round += 1) {
      for (const [i, from] of people.entries()) {
        const to = people[(i + 1) % people.length]!;
        sent.push(
          await sendUntilStored(system.apis[(round + i) % 2]!, from, to, `r${round} ${from.name}`, `c-${round}-${i}`),
        );
      }
    }
    // Dave, who holds no subscription, sends each the marker.
    for (const [i, user] of people.entries()) {
      const theirs = sent.filter((m) => m.senderId === user.id || m.receiverId === user.id).map((m) => m.id);
      await receiveExactly(
        inboxes[i]!,
        theirs,
        async () => (await sendUntilStored(system.apis[0]!, dave, user, 'marker', `m-${i}`)).id,
      );
    }

    // Sharded pub/sub: the channels live on the shard that owns them, and classic pub/sub is unused.
    const topic = `user:${bob.id}:messages`;
    const owner = await cluster.masterOf(topic);
    const admin = new Redis(owner.port, '127.0.0.1');
    try {
      expect(await admin.call('PUBSUB', 'SHARDCHANNELS', `user:${bob.id}:*`)).toEqual([topic]);
      expect(await admin.call('PUBSUB', 'CHANNELS')).toEqual([]);
    } finally {
      admin.disconnect();
    }
    await Promise.all(clients.map((client) => client.dispose()));
  }, 60_000);

  it('loses no acknowledged message when a master dies mid-conversation, and recovers without restarts', async () => {
    const [alice, bob] = (await createUsers(stores, 'Alice', 'Bob')) as [TestUser, TestUser];
    // The master that carries the channel both subscriptions, scoped to this conversation, listen on.
    const victim = await cluster.masterOf(Topics.conversationMessages(conversationIdFor(alice.id, bob.id)));
    await conversationSurvivesFailover(system, alice, bob, {
      subscribeOn: system.ws[1]!,
      resumeOn: system.ws[2]!,
      failover: async () => {
        await victim.kill();
        await cluster.settled();
      },
    });
  }, 90_000);

  it('moves the clients of a killed WS instance to another, where they resume without a gap', async () => {
    const [alice, bob] = (await createUsers(stores, 'Alice', 'Bob')) as [TestUser, TestUser];
    const doomed = await spawnWsProcess(stores, env());
    const client = wsClient(doomed, { token: bob.token });
    const inbox: Inbox = new SubscriptionProbe(client, NewMessageDocument, { targetUserId: alice.id });
    let seen: MessageFieldsFragment | null = null;
    // The process's subscription is live once a message sent after it arrives.
    for (let attempt = 0; !seen; attempt += 1) {
      const probe = await sendUntilStored(system.apis[0]!, alice, bob, `probe ${attempt}`, `probe-${attempt}`);
      seen = await inbox.next(500).then(
        (event) => (event.data?.newMessage.id === probe.id ? probe : null),
        () => null,
      );
    }
    await doomed.kill();
    expect((await client.closed).code).not.toBe(1000);
    const missed = [
      await sendUntilStored(system.apis[1]!, alice, bob, 'while away 1', 'away-1'),
      await sendUntilStored(system.apis[0]!, alice, bob, 'while away 2', 'away-2'),
    ];
    const again = wsClient(system.ws[0]!, { token: bob.token });
    const resumed: Inbox = new SubscriptionProbe(again, NewMessageDocument, {
      targetUserId: alice.id,
      after: seen.cursor,
    });
    await receiveExactly(
      resumed,
      missed.map((m) => m.id),
      async () => (await sendUntilStored(system.apis[0]!, alice, bob, 'back', 'back')).id,
    );
    await again.dispose();
  }, 60_000);

  it('keeps presence across instances and per-user rate limits, each key on its own shard', async () => {
    const [alice, bob] = (await createUsers(stores, 'Alice', 'Bob')) as [TestUser, TestUser];
    // Presence is visible to contacts only: Bob writes to Alice first.
    await sendUntilStored(system.apis[1]!, bob, alice, 'hi', 'hi');
    const onlineOf = async () =>
      (await graphqlOk(system.apis[0]!, PresenceDocument, { userIds: [alice.id] }, bob.token)).presence[0]!;
    // The device that stays connects first and is seen online before others come and go. Those
    // close as soon as they are accepted: their registration (commands on two shards) must never
    // land after their own disconnection, which would leave Alice online for good.
    const staying = wsClient(system.ws[2]!, { token: alice.token });
    await eventually(async () => (await onlineOf()).online, { what: 'Alice online' });
    for (let round = 0; round < 5; round += 1) {
      const leaving = wsClient(system.ws[0]!, { token: alice.token });
      await new Promise<void>((resolve) => leaving.on('connected', () => resolve()));
      await leaving.dispose();
    }
    // One device left on another instance: still online.
    await waitForStats(system.ws[0]!, (stats) => stats.connections === 0, 'the other devices gone');
    expect((await onlineOf()).online).toBe(true);
    await staying.dispose();
    await eventually(async () => !(await onlineOf()).online, { what: 'Alice offline' });
    expect((await onlineOf()).lastSeenAt).toEqual(expect.any(String));

    // 21 sends at once across both API instances: the 21st is refused (limit 20 per 2 s).
    const results = await Promise.all(
      Array.from({ length: 21 }, (_, i) =>
        graphqlHttp(
          system.apis[i % 2]!,
          SendMessageDocument,
          { input: { targetUserId: bob.id, message: `m${i}` } },
          alice.token,
        ),
      ),
    );
    const codes = results.map((result) => String(result.body.errors?.[0]?.extensions?.['code'] ?? 'OK'));
    expect(codes.filter((code) => code === 'RATE_LIMITED')).toHaveLength(1);
    expect(codes.filter((code) => code === 'OK')).toHaveLength(20);
  }, 60_000);
});

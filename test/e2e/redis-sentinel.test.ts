import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NewMessageDocument, PresenceDocument, type MessageFieldsFragment } from '../../src/client/graphql';
import { startRedisSentinel, type EmbeddedRedisSentinel } from '../../src/launcher/embedded-redis-topologies';
import { sendUntilStored } from '../helpers/chat';
import { graphqlOk, SubscriptionProbe, waitForSubscriptions, wsClient } from '../helpers/clients';
import { startTestDatastores, type TestDatastores } from '../helpers/datastores';
import { eventually } from '../helpers/eventually';
import { startSystem, type TestSystem } from '../helpers/system';
import { createUsers, type TestUser } from '../helpers/users';

type Inbox = SubscriptionProbe<{ newMessage: { id: string } }>;

/**
 * The whole system on a Sentinel-managed Redis (a primary, a replica, three sentinels): when the
 * primary dies, a replica is promoted and every instance follows it without a restart.
 */
describe('on Redis Sentinel, 2 API and 2 WS instances', () => {
  let dir: string;
  let sentinel: EmbeddedRedisSentinel;
  let stores: TestDatastores;
  let system: TestSystem;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'chat-test-sentinel-'));
    sentinel = await startRedisSentinel({ dir });
    stores = await startTestDatastores();
    system = await startSystem(stores, {
      apiInstances: 2,
      wsInstances: 2,
      env: { REDIS_SENTINELS: sentinel.sentinels, REDIS_SENTINEL_NAME: sentinel.name, RATE_LIMITS: 'on' },
    });
  }, 60_000);

  afterAll(async () => {
    await system?.stop();
    await stores?.dispose();
    await sentinel?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('survives the primary’s death: a replica is promoted, nothing acknowledged is lost, delivery resumes by itself', async () => {
    const [alice, bob] = (await createUsers(stores, 'Alice', 'Bob')) as [TestUser, TestUser];
    const client = wsClient(system.ws[1]!, { token: bob.token });
    const inbox: Inbox = new SubscriptionProbe(client, NewMessageDocument, { targetUserId: alice.id });
    await waitForSubscriptions(system.ws[1]!, 1);
    const before = await sendUntilStored(system.apis[0]!, alice, bob, 'before', 'before');
    expect((await inbox.next()).data?.newMessage.id).toBe(before.id);

    const oldPrimary = await sentinel.primary();
    const sending = (async () => {
      const acknowledged: MessageFieldsFragment[] = [];
      for (let i = 0; i < 30; i += 1) {
        acknowledged.push(await sendUntilStored(system.apis[i % 2]!, alice, bob, `during ${i}`, `during-${i}`));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return acknowledged;
    })();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await oldPrimary.kill();
    const acknowledged = await sending;
    const newPrimary = await eventually(
      async () => {
        const primary = await sentinel.primary();
        return primary.port !== oldPrimary.port ? primary : null;
      },
      { timeout: 20_000, what: 'a replica promoted' },
    );
    expect(newPrimary.port).toBe(sentinel.servers[1]!.port);

    // Resuming from the last message seen before the failover gives every acknowledged one, once.
    const resumedClient = wsClient(system.ws[0]!, { token: bob.token });
    const resumed: Inbox = new SubscriptionProbe(resumedClient, NewMessageDocument, {
      targetUserId: alice.id,
      after: before.cursor,
    });
    for (const message of acknowledged) expect((await resumed.next(10_000)).data?.newMessage.id).toBe(message.id);
    // Nothing twice: the next event is a message sent after them (delivery is in order).
    const after = await sendUntilStored(system.apis[1]!, alice, bob, 'after the failover', 'after');
    expect((await resumed.next(10_000)).data?.newMessage.id).toBe(after.id);

    // The subscription opened before the failover follows the new primary: that message reaches it.
    for (;;) {
      const id = (await inbox.next(20_000)).data?.newMessage.id;
      if (id === after.id) break;
      expect(acknowledged.map((m) => m.id)).toContain(id);
    }
    // Presence (scripts on the primary) works on the new primary too.
    const presence = await graphqlOk(system.apis[0]!, PresenceDocument, { userIds: [bob.id] }, alice.token);
    expect(presence.presence[0]?.online).toBe(true);
    await client.dispose();
    await resumedClient.dispose();
  }, 90_000);
});

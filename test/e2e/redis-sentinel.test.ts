import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PresenceDocument } from '../../src/client/graphql';
import { startRedisSentinel, type EmbeddedRedisSentinel } from '../../src/launcher/embedded-redis-topologies';
import { graphqlOk, wsClient } from '../helpers/clients';
import { startTestDatastores, type TestDatastores } from '../helpers/datastores';
import { eventually } from '../helpers/eventually';
import { conversationSurvivesFailover } from '../helpers/failover';
import { startSystem, type TestSystem } from '../helpers/system';
import { createUsers, type TestUser } from '../helpers/users';

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
    const oldPrimary = await sentinel.primary();
    await conversationSurvivesFailover(system, alice, bob, {
      subscribeOn: system.ws[1]!,
      resumeOn: system.ws[0]!,
      failover: async () => {
        await oldPrimary.kill();
        const promoted = await eventually(
          async () => {
            const primary = await sentinel.primary();
            return primary.port !== oldPrimary.port ? primary : null;
          },
          { timeout: 20_000, what: 'a replica promoted' },
        );
        expect(promoted.port).toBe(sentinel.servers[1]!.port);
      },
    });
    // Presence (scripts on the primary) works on the new primary too: Bob is online (his device).
    const device = wsClient(system.ws[0]!, { token: bob.token });
    await eventually(
      async () =>
        (await graphqlOk(system.apis[0]!, PresenceDocument, { userIds: [bob.id] }, alice.token)).presence[0]?.online,
      { what: 'Bob online on the new primary' },
    );
    await device.dispose();
  }, 90_000);
});

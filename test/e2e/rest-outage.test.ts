import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFerretDb, type EmbeddedFerretDb } from '../../src/launcher/embedded-ferretdb';
import { startTestDatastores, type TestDatastores } from '../helpers/datastores';
import { startSystem, type TestSystem } from '../helpers/system';
import { createUsers, type TestUser } from '../helpers/users';

/**
 * The database going away answers 503 in the REST error shape (retryable), not a hang or a 500.
 * Uses its own FerretDB so stopping it cannot disturb other test files.
 */
describe('REST while the database is down', () => {
  let dir: string;
  let ferret: EmbeddedFerretDb;
  let stores: TestDatastores;
  let system: TestSystem;
  let alice: TestUser;
  let bob: TestUser;
  const previousUrl = process.env.CHAT_TEST_MONGO_URL;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'chat-test-outage-'));
    ferret = await startFerretDb({ dir });
    process.env.CHAT_TEST_MONGO_URL = ferret.url;
    stores = await startTestDatastores();
    system = await startSystem(stores);
    [alice, bob] = (await createUsers(stores, 'Alice', 'Bob')) as [TestUser, TestUser];
  });

  afterAll(async () => {
    process.env.CHAT_TEST_MONGO_URL = previousUrl;
    await system?.stop();
    await stores?.dispose().catch(() => undefined);
    await ferret?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 SERVICE_UNAVAILABLE with the error shape, then serves again when it is back', async () => {
    const get = async () => {
      const response = await fetch(`${system.api.url}/api/chat/history/${bob.id}`, {
        headers: { authorization: `Bearer ${alice.token}` },
      });
      return {
        status: response.status,
        body: (await response.json()) as { success: boolean; error?: { code: string } },
      };
    };
    expect((await get()).status).toBe(200);

    await ferret.stop();
    const down = await get();
    expect(down).toEqual({
      status: 503,
      body: { success: false, error: { code: 'SERVICE_UNAVAILABLE', message: expect.stringMatching(/retry/) } },
    });

    ferret = await startFerretDb({ dir, port: ferret.port });
    const deadline = Date.now() + 15_000;
    let again = await get();
    while (again.status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      again = await get();
    }
    expect(again.status).toBe(200);
  }, 40_000);
});

import { eventually } from '../helpers/eventually';
import { useTestSystem } from '../helpers/system';
import { createUsers, type TestUser } from '../helpers/users';

/**
 * The database going away answers 503 in the REST error shape (retryable), not a hang or a 500.
 * Uses its own FerretDB so stopping it cannot disturb other test files.
 */
describe('REST while the database is down', () => {
  const env = useTestSystem({ ownFerretDb: true });
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    [alice, bob] = (await createUsers(env.stores, 'Alice', 'Bob')) as [TestUser, TestUser];
  });

  it('answers 503 SERVICE_UNAVAILABLE with the error shape, then serves again when it is back', async () => {
    const get = async () => {
      const response = await fetch(`${env.system.api.url}/api/chat/history/${bob.id}`, {
        headers: { authorization: `Bearer ${alice.token}` },
      });
      return {
        status: response.status,
        body: (await response.json()) as { success: boolean; error?: { code: string } },
      };
    };
    expect((await get()).status).toBe(200);

    await env.ownFerretDb!.ferret.stop();
    const down = await get();
    expect(down).toEqual({
      status: 503,
      body: { success: false, error: { code: 'SERVICE_UNAVAILABLE', message: expect.stringMatching(/retry/) } },
    });

    await env.ownFerretDb!.restart();
    // The driver reconnects on its own schedule; once it has, the same request succeeds.
    const again = await eventually(
      async () => {
        const answer = await get();
        return answer.status === 200 && answer;
      },
      { timeout: 15_000, what: 'the history route to answer 200 again' },
    );
    expect(again.body.success).toBe(true);
  }, 40_000);
});

import { startTestDatastores, type TestDatastores } from '../helpers/datastores';
import { startSystem, type TestSystem } from '../helpers/system';
import { createUsers, type TestUser } from '../helpers/users';

describe('operator endpoints', () => {
  let stores: TestDatastores;
  let system: TestSystem;
  let alice: TestUser;

  beforeAll(async () => {
    stores = await startTestDatastores();
    system = await startSystem(stores, { env: { STATS_TOKEN: 'ops-secret-token' } });
    [alice] = (await createUsers(stores, 'Alice')) as [TestUser];
  });

  afterAll(async () => {
    await system?.stop();
    await stores?.dispose();
  });

  const statsUrl = () => system.ws[0]!.url.replace(/^ws/, 'http').replace('/graphql', '/stats');

  it('requires STATS_TOKEN for /stats when it is set, and shows aggregate counts only', async () => {
    expect((await fetch(statsUrl())).status).toBe(401);
    expect((await fetch(statsUrl(), { headers: { authorization: 'Bearer wrong-token-same-len' } })).status).toBe(401);
    const allowed = await fetch(statsUrl(), { headers: { authorization: 'Bearer ops-secret-token' } });
    expect(allowed.status).toBe(200);
    const body = (await allowed.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual([
      'activeSubscriptions',
      'connectedUsers',
      'connections',
      'eventsDelivered',
      'uptimeSeconds',
    ]);
    expect(Object.values(body).every((value) => typeof value === 'number')).toBe(true);
  });

  it('gives every API response a request id, keeping a well-formed one the caller sent', async () => {
    const generated = await fetch(`${system.api.url}/health`);
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const echoed = await fetch(`${system.api.url}/api/chat/unread-count`, {
      headers: { authorization: `Bearer ${alice.token}`, 'x-request-id': 'trace-42' },
    });
    expect(echoed.headers.get('x-request-id')).toBe('trace-42');
    const refused = await fetch(`${system.api.url}/health`, { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(refused.headers.get('x-request-id')).not.toBe('bad id with spaces');
  });
});

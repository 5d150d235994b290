import { eventually } from '../helpers/eventually';
import { useTestSystem } from '../helpers/system';

interface HealthBody {
  status: string;
  checks: { mongo: string; redis: string };
}

async function health(url: string): Promise<{ status: number; body: HealthBody }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as HealthBody };
}

/** Waits until `/health` answers `status` (the datastore check runs per request); returns that answer. */
function healthBecomes(url: string, status: number) {
  return eventually(
    async () => {
      const result = await health(url);
      return result.status === status && result;
    },
    { timeout: 15_000, what: `${url} to answer ${status}` },
  );
}

describe('/health on both services follows Redis', () => {
  const env = useTestSystem({ ownRedis: true });
  let urls: string[];

  beforeAll(async () => {
    urls = [
      `${env.system.api.url}/health`,
      `${env.system.ws[0]!.url.replace(/^ws/, 'http').replace('/graphql', '')}/health`,
    ];
  });

  it('is 200 with both datastores up', async () => {
    for (const url of urls) {
      expect(await health(url)).toEqual({
        status: 200,
        body: expect.objectContaining({ status: 'ok', checks: { mongo: 'up', redis: 'up' } }),
      });
    }
  });

  it('turns 503 naming redis while Redis is stopped (readiness), stays live, and is 200 again once Redis is back', async () => {
    await env.stores.stopRedis();
    for (const url of urls) {
      expect((await fetch(`${url}/live`)).status).toBe(200);
    }
    for (const url of urls) {
      const down = await healthBecomes(url, 503);
      expect(down.status).toBe(503);
      expect((await health(`${url}/ready`)).status).toBe(503);
      expect((await fetch(`${url}/live`)).status).toBe(200);
      expect(down.body).toMatchObject({ status: 'unavailable', checks: { mongo: 'up', redis: 'down' } });
    }

    await env.stores.restartRedis();
    for (const url of urls) {
      const up = await healthBecomes(url, 200);
      expect(up.status).toBe(200);
      expect(up.body.checks).toEqual({ mongo: 'up', redis: 'up' });
    }
  });
});

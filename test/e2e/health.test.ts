import { useTestSystem } from '../helpers/system';

interface HealthBody {
  status: string;
  checks: { mongo: string; redis: string };
}

async function health(url: string): Promise<{ status: number; body: HealthBody }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as HealthBody };
}

/** Polls until `/health` answers `status`; returns that answer. */
async function healthBecomes(url: string, status: number, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await health(url);
    if (result.status === status || Date.now() > deadline) return result;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
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

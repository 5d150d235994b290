import { verifyToken } from '../../src/auth/jwt';
import { DEMO_USERS } from '../../src/domain/user/demo-users';
import { TEST_JWT_SECRET, useTestSystem } from '../helpers/system';
import { seedDemoUsers } from '../helpers/users';

describe('routes behind the web client', () => {
  const env = useTestSystem();

  it('serves the built client at / with cache rules that suit hashed bundles', async () => {
    const page = await fetch(`${env.system.api.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const html = await page.text();
    expect(html).not.toMatch(/(src|href)="https?:/); // nothing from a CDN
    const bundles = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((match) => match[1]!);
    expect(bundles.length).toBeGreaterThanOrEqual(2); // the script and the stylesheet
    for (const bundle of bundles) {
      const response = await fetch(`${env.system.api.url}${bundle}`);
      expect({ bundle, status: response.status, cache: response.headers.get('cache-control') }).toEqual({
        bundle,
        status: 200,
        cache: 'public, max-age=31536000, immutable',
      });
    }
    expect((await fetch(`${env.system.api.url}/assets/nope.js`)).status).toBe(404);
  });

  it('tells the client where the WS service listens', async () => {
    const response = await fetch(`${env.system.api.url}/client-config.json`);
    expect(await response.json()).toEqual({
      graphqlPath: '/graphql',
      websocketPort: env.system.config.websocketPort,
      websocketPath: '/graphql',
    });
  });

  it('lists only seeded demo users, each with a working token for that user', async () => {
    expect(await (await fetch(`${env.system.api.url}/demo/users`)).json()).toEqual({ success: true, users: [] });
    await seedDemoUsers(env.stores);
    const body = (await (await fetch(`${env.system.api.url}/demo/users`)).json()) as {
      users: Array<{ id: string; name: string; token: string }>;
    };
    expect(body.users.map((user) => user.name)).toEqual(DEMO_USERS.map((user) => user.name));
    for (const user of body.users) expect(verifyToken(user.token, TEST_JWT_SECRET).userId).toBe(user.id);
  });
});

describe('demo tokens in production', () => {
  const env = useTestSystem({ env: { NODE_ENV: 'production' } });

  it('are not handed out: /demo/users does not exist', async () => {
    await seedDemoUsers(env.stores);
    expect((await fetch(`${env.system.api.url}/demo/users`)).status).toBe(404);
  });
});

import jwt from 'jsonwebtoken';
import { MeDocument, NewMessageDocument } from '../../src/client/graphql';
import { graphqlHttp, SubscriptionProbe, waitForSubscriptions, wsClient } from '../helpers/clients';
import { TEST_JWT_SECRET, useTestSystem } from '../helpers/system';
import { createUsers, type TestUser } from '../helpers/users';

describe('authentication on both transports', () => {
  const env = useTestSystem();
  let alice: TestUser;

  beforeAll(async () => {
    [alice] = (await createUsers(env.stores, 'Alice')) as [TestUser];
  });

  const badTokens: Array<[string, () => string]> = [
    ['signed with another secret', () => jwt.sign({ sub: alice.id }, 'some-other-secret-value')],
    ['expired', () => jwt.sign({ sub: alice.id, exp: Math.floor(Date.now() / 1000) - 60 }, TEST_JWT_SECRET)],
    ['not a JWT', () => 'not-a-token'],
    ['with a subject that is not a user id', () => jwt.sign({ sub: 'alice' }, TEST_JWT_SECRET)],
    ['using alg none', () => jwt.sign({ sub: alice.id }, '', { algorithm: 'none' })],
  ];

  it.each(badTokens)('refuses an HTTP request whose token is %s with 401 UNAUTHENTICATED', async (_case, token) => {
    const { status, body } = await graphqlHttp(env.system.api, MeDocument, {}, token());
    expect(status).toBe(401);
    expect(body.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
    expect(body.data ?? null).toBeNull();
  });

  it('refuses a field that needs identity when no token is sent', async () => {
    const { body } = await graphqlHttp(env.system.api, MeDocument, {}, null);
    expect(body.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
    expect(body.errors?.[0]?.message).toMatch(/Bearer token/);
  });

  it('accepts the user id from the id or userId claim when sub is absent', async () => {
    for (const claim of ['id', 'userId']) {
      const token = jwt.sign({ [claim]: alice.id }, TEST_JWT_SECRET);
      const { body } = await graphqlHttp(env.system.api, MeDocument, {}, token);
      expect(body.data?.me.id).toBe(alice.id);
    }
  });

  it('refuses a token it accepted a moment ago once the token expires (verified tokens are remembered only until exp)', async () => {
    const expiresAt = Math.floor(Date.now() / 1000) + 2;
    const token = jwt.sign({ sub: alice.id, exp: expiresAt }, TEST_JWT_SECRET);
    const accepted = await graphqlHttp(env.system.api, MeDocument, {}, token);
    expect(accepted.body.data?.me.id).toBe(alice.id);
    await new Promise((resolve) => setTimeout(resolve, expiresAt * 1000 - Date.now() + 50));
    const refused = await graphqlHttp(env.system.api, MeDocument, {}, token);
    expect(refused.status).toBe(401);
    expect(refused.body.errors?.[0]?.message).toMatch(/^Token expired/);
  });

  it.each(badTokens)('closes a graphql-ws connection whose token is %s with 4403', async (_case, token) => {
    const client = wsClient(env.system.ws[0]!, { authorization: `Bearer ${token()}` });
    const { code } = await client.closed;
    expect(code).toBe(4403);
    await client.dispose();
  });

  it('closes a graphql-ws connection without a token with 4403, then serves the next good client', async () => {
    const anonymous = wsClient(env.system.ws[0]!, {});
    expect((await anonymous.closed).code).toBe(4403);
    await anonymous.dispose();

    const good = wsClient(env.system.ws[0]!, { authorization: `Bearer ${alice.token}` });
    const probe = new SubscriptionProbe(good, NewMessageDocument, {});
    await waitForSubscriptions(env.system.ws[0]!, 1);
    probe.stop();
    await good.dispose();
    const { body } = await graphqlHttp(env.system.api, MeDocument, {}, alice.token);
    expect(body.data?.me.name).toBe('Alice');
  });
});

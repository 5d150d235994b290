import {
  DirectoryDocument,
  SearchMessagesDocument,
  SendMessageDocument,
  SetTypingDocument,
} from '../../src/client/graphql';
import { graphqlHttp, wsClient } from '../helpers/clients';
import { useTestSystem } from '../helpers/system';
import { createUsers, type TestUser } from '../helpers/users';

describe('rate limits shared across instances through Redis', () => {
  const env = useTestSystem({ apiInstances: 2, env: { RATE_LIMITS: 'on' } });

  it('allows a burst of 20 sends across both API instances, then answers RATE_LIMITED with retryAfter', async () => {
    const [alice, bob] = (await createUsers(env.stores, 'Alice', 'Bob')) as [TestUser, TestUser];
    const results = await Promise.all(
      Array.from({ length: 26 }, (_, i) =>
        graphqlHttp(
          env.system.apis[i % 2]!,
          SendMessageDocument,
          { input: { targetUserId: bob.id, message: `m${i}` } },
          alice.token,
        ),
      ),
    );
    const accepted = results.filter((result) => result.body.data?.sendMessage);
    const limited = results.filter((result) => result.body.errors?.[0]?.extensions?.['code'] === 'RATE_LIMITED');
    expect(accepted).toHaveLength(20);
    expect(limited).toHaveLength(6);
    expect(limited[0]!.body.errors?.[0]?.extensions).toMatchObject({ retryAfter: expect.any(Number), limit: 20 });
    // Nothing was stored for the refused sends.
    expect(await env.stores.mongo.connection.collection('chatmessages').countDocuments({ message: /^m\d+$/ })).toBe(20);
    // Another user is not affected.
    const other = await graphqlHttp(
      env.system.api,
      SendMessageDocument,
      { input: { targetUserId: alice.id, message: 'hi' } },
      bob.token,
    );
    expect(other.body.errors).toBeUndefined();
  });

  it('answers REST clients with 429, Retry-After and X-RateLimit-* headers', async () => {
    const [carol, dave] = (await createUsers(env.stores, 'Carol', 'Dave')) as [TestUser, TestUser];
    const post = () =>
      fetch(`${env.system.apis[1]!.url}/api/chat/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${carol.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ targetUserId: dave.id, message: 'flood' }),
      });
    const responses = await Promise.all(Array.from({ length: 22 }, post));
    const refused = responses.filter((response) => response.status === 429);
    expect(refused.length).toBe(2);
    const first = refused[0]!;
    expect(Number(first.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(first.headers.get('x-ratelimit-limit')).toBe('20');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(first.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
    expect(await first.json()).toMatchObject({ success: false, error: { code: 'RATE_LIMITED' } });
  });

  it('limits typing to 10 per 2 s', async () => {
    const [erin, frank] = (await createUsers(env.stores, 'Erin', 'Frank')) as [TestUser, TestUser];
    const results = await Promise.all(
      Array.from({ length: 12 }, () =>
        graphqlHttp(env.system.api, SetTypingDocument, { targetUserId: frank.id, isTyping: true }, erin.token),
      ),
    );
    expect(results.filter((result) => result.body.errors?.[0]?.extensions?.['code'] === 'RATE_LIMITED')).toHaveLength(
      2,
    );
  });

  it('limits searches to 10 per 5 s', async () => {
    const [hank] = (await createUsers(env.stores, 'Hank')) as [TestUser];
    const results = await Promise.all(
      Array.from({ length: 12 }, () =>
        graphqlHttp(env.system.api, SearchMessagesDocument, { query: 'anything' }, hank.token),
      ),
    );
    expect(results.filter((result) => result.body.errors?.[0]?.extensions?.['code'] === 'RATE_LIMITED')).toHaveLength(
      2,
    );
  });

  it('limits people-directory searches to 10 per 5 s, apart from message searches', async () => {
    const [ivy] = (await createUsers(env.stores, 'Ivy')) as [TestUser];
    const results = await Promise.all(
      Array.from({ length: 12 }, () => graphqlHttp(env.system.api, DirectoryDocument, { search: 'iv' }, ivy.token)),
    );
    const limited = results.filter((result) => result.body.errors?.[0]?.extensions?.['code'] === 'RATE_LIMITED');
    expect(limited).toHaveLength(2);
    expect(limited[0]!.body.errors?.[0]?.extensions).toMatchObject({ retryAfter: expect.any(Number), limit: 10 });
    const search = await graphqlHttp(env.system.api, SearchMessagesDocument, { query: 'anything' }, ivy.token);
    expect(search.body.errors).toBeUndefined();
  });

  it('closes WebSocket connection attempts over the limit with the retryable 1013', async () => {
    const [gina] = (await createUsers(env.stores, 'Gina')) as [TestUser];
    const clients = Array.from({ length: 22 }, () => wsClient(env.system.ws[0]!, { token: gina.token }));
    const outcomes = await Promise.all(
      clients.map(
        (client) =>
          new Promise<string>((resolve) => {
            client.on('connected', () => resolve('connected'));
            void client.closed.then(({ code }) => resolve(String(code)));
          }),
      ),
    );
    expect(outcomes.filter((outcome) => outcome === 'connected')).toHaveLength(20);
    expect(outcomes.filter((outcome) => outcome === '1013')).toHaveLength(2);
    await Promise.all(clients.map((client) => client.dispose()));
  });
});

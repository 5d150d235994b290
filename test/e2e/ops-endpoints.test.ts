import { MessagesDocument, NewMessageDocument, SendMessageDocument } from '../../src/client/graphql';
import { graphqlOk, SubscriptionProbe, waitForSubscriptions, wsClient } from '../helpers/clients';
import { useTestSystem } from '../helpers/system';
import { createUsers, type TestUser } from '../helpers/users';

describe('operator endpoints', () => {
  const env = useTestSystem({ env: { STATS_TOKEN: 'ops-secret-token' } });
  let alice: TestUser;

  beforeAll(async () => {
    [alice] = (await createUsers(env.stores, 'Alice')) as [TestUser];
  });

  const statsUrl = () => env.system.ws[0]!.url.replace(/^ws/, 'http').replace('/graphql', '/stats');

  it('requires STATS_TOKEN for /stats and /metrics when it is set, and shows aggregate counts only', async () => {
    expect((await fetch(statsUrl())).status).toBe(401);
    expect((await fetch(statsUrl().replace('/stats', '/metrics'))).status).toBe(401);
    expect((await fetch(`${env.system.api.url}/metrics`)).status).toBe(401);
    const metrics = await fetch(`${env.system.api.url}/metrics`, {
      headers: { authorization: 'Bearer ops-secret-token' },
    });
    expect(metrics.status).toBe(200);
    expect((await fetch(statsUrl(), { headers: { authorization: 'Bearer wrong-token-same-len' } })).status).toBe(401);
    const allowed = await fetch(statsUrl(), { headers: { authorization: 'Bearer ops-secret-token' } });
    expect(allowed.status).toBe(200);
    const body = (await allowed.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual([
      'activeSubscriptions',
      'connectedUsers',
      'connections',
      'eventsDelivered',
      'eventsExecuted',
      'uptimeSeconds',
    ]);
    expect(Object.values(body).every((value) => typeof value === 'number')).toBe(true);
  });

  it('gives every API response a request id, keeping a well-formed one the caller sent', async () => {
    const generated = await fetch(`${env.system.api.url}/health`);
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const echoed = await fetch(`${env.system.api.url}/api/chat/unread-count`, {
      headers: { authorization: `Bearer ${alice.token}`, 'x-request-id': 'trace-42' },
    });
    expect(echoed.headers.get('x-request-id')).toBe('trace-42');
    const refused = await fetch(`${env.system.api.url}/health`, { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(refused.headers.get('x-request-id')).not.toBe('bad id with spaces');
  });
});

describe('Prometheus metrics', () => {
  const env = useTestSystem();

  it('exposes sends, duplicates, deliveries with latency, resumes, subscriptions by type, datastore health and event-loop lag', async () => {
    const [alice, bob] = (await createUsers(env.stores, 'Alice', 'Bob')) as [TestUser, TestUser];
    const client = wsClient(env.system.ws[0]!, { token: bob.token });
    const inbox = new SubscriptionProbe(client, NewMessageDocument, {});
    await waitForSubscriptions(env.system.ws[0]!, 1);
    const input = { targetUserId: bob.id, message: 'measured', clientMessageId: 'metric-1' };
    const sent = await graphqlOk(env.system.api, SendMessageDocument, { input }, alice.token);
    await graphqlOk(env.system.api, SendMessageDocument, { input }, alice.token);
    await inbox.next();
    await graphqlOk(
      env.system.api,
      MessagesDocument,
      { targetUserId: alice.id, after: sent.sendMessage.cursor },
      bob.token,
    );

    const api = await (await fetch(`${env.system.api.url}/metrics`)).text();
    const ws = await (await fetch(env.system.ws[0]!.url.replace(/^ws/, 'http').replace('/graphql', '/metrics'))).text();
    expect(api).toMatch(/^chat_messages_sent_total\{service="api"\} 1$/m);
    expect(api).toMatch(/^chat_duplicate_sends_total\{service="api"\} 1$/m);
    expect(api).toMatch(/^chat_resumes_total\{via="page",service="api"\} 1$/m);
    expect(api).toMatch(/^chat_datastore_up\{datastore="redis",service="api"\} 1$/m);
    expect(api).toMatch(/^nodejs_eventloop_lag_seconds\{service="api"\} /m);
    expect(ws).toMatch(/^chat_messages_delivered_total\{service="ws"\} 1$/m);
    expect(ws).toMatch(/^chat_delivery_latency_seconds_count\{service="ws"\} 1$/m);
    expect(ws).toMatch(/^chat_ws_subscriptions\{field="newMessage",service="ws"\} 1$/m);
    expect(ws).toMatch(/^chat_ws_connections\{service="ws"\} 1$/m);
    await client.dispose();
  });
});

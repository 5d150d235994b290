import { NewMessageDocument, SendMessageDocument } from '../../src/client/graphql';
import { graphqlHttp, graphqlOk, SubscriptionProbe, waitForSubscriptions, wsClient } from '../helpers/clients';
import { eventually } from '../helpers/eventually';
import { useTestSystem } from '../helpers/system';
import { createUsers, type TestUser } from '../helpers/users';

/** A stalled database (SIGSTOP) fails sends fast and retryably; nothing unpersisted is delivered. */
describe('MongoDB stalled', () => {
  const env = useTestSystem({ ownFerretDb: true });
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    [alice, bob] = (await createUsers(env.stores, 'Alice', 'Bob')) as [TestUser, TestUser];
  });

  it('answers SERVICE_UNAVAILABLE within seconds, publishes nothing, and a retry yields exactly one message', async () => {
    const client = wsClient(env.system.ws[0]!, { token: bob.token });
    const inbox = new SubscriptionProbe(client, NewMessageDocument, {});
    await waitForSubscriptions(env.system.ws[0]!, 1);
    const input = { targetUserId: bob.id, message: 'sent during a stall', clientMessageId: 'stall-1' };

    env.ownFerretDb!.ferret.child.kill('SIGSTOP');
    const started = Date.now();
    const stalled = await graphqlHttp(env.system.api, SendMessageDocument, { input }, alice.token);
    expect(stalled.body.errors?.[0]?.extensions?.['code']).toBe('SERVICE_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(12_000);

    env.ownFerretDb!.ferret.child.kill('SIGCONT');
    // The client retries with the same clientMessageId until the database answers again.
    const retried = await eventually(
      async () => (await graphqlOk(env.system.api, SendMessageDocument, { input }, alice.token)).sendMessage,
      { timeout: 20_000, interval: 250, what: 'a retried send to succeed' },
    );
    expect(
      await env.stores.mongo.connection.collection('chatmessages').countDocuments({ clientMessageId: 'stall-1' }),
    ).toBe(1);
    // Delivery is in order: the stored message comes first, then the marker, and nothing else
    // (no copy of the failed attempt before it, no second copy of the retry in between).
    const marker = (
      await graphqlOk(
        env.system.api,
        SendMessageDocument,
        { input: { targetUserId: bob.id, message: 'marker' } },
        alice.token,
      )
    ).sendMessage;
    expect((await inbox.next()).data?.newMessage.id).toBe(retried.id);
    expect((await inbox.next()).data?.newMessage.id).toBe(marker.id);
    await client.dispose();
  }, 60_000);
});

import { NewMessageDocument, SendMessageDocument } from '../../src/client/graphql';
import { graphqlHttp, SubscriptionProbe, waitForSubscriptions, wsClient } from '../helpers/clients';
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
    expect(inbox.pending()).toBe(0);

    env.ownFerretDb!.ferret.child.kill('SIGCONT');
    const deadline = Date.now() + 20_000;
    let retried = await graphqlHttp(env.system.api, SendMessageDocument, { input }, alice.token);
    while (retried.body.errors && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      retried = await graphqlHttp(env.system.api, SendMessageDocument, { input }, alice.token);
    }
    expect(retried.body.errors).toBeUndefined();
    expect(
      await env.stores.mongo.connection.collection('chatmessages').countDocuments({ clientMessageId: 'stall-1' }),
    ).toBe(1);
    // Delivered once, for the stored message only.
    expect((await inbox.next(5_000)).data?.newMessage.id).toBe(retried.body.data?.sendMessage.id);
    await client.dispose();
  }, 60_000);
});

import { NewMessageDocument, type MessageFieldsFragment } from '../../src/client/graphql';
import type { WsServer } from '../../src/ws/ws.server';
import { sendUntilStored } from './chat';
import { SubscriptionProbe, waitForSubscriptions, wsClient } from './clients';
import type { TestSystem } from './system';
import type { TestUser } from './users';

type Inbox = SubscriptionProbe<{ newMessage: { id: string } }>;

/**
 * The check both Redis topologies run when a Redis node dies mid-conversation. Bob is subscribed to
 * his conversation with Alice on `subscribeOn`; Alice sends 30 messages through both API instances
 * (retrying what is refused, as a client honouring `retryAfter` does) while `failover` kills the
 * node and waits for the deployment to recover. Then:
 * - resuming on `resumeOn` from the last message seen before gives every acknowledged one, once
 *   (the next event is a message sent after them: delivery is in order, so nothing came twice);
 * - the subscription opened before the failover receives that new message too (it came back by
 *   itself; what it missed while no node served its channel is what the resume is for).
 */
export async function conversationSurvivesFailover(
  system: TestSystem,
  alice: TestUser,
  bob: TestUser,
  options: { subscribeOn: WsServer; resumeOn: WsServer; failover: () => Promise<void> },
): Promise<void> {
  const client = wsClient(options.subscribeOn, { token: bob.token });
  const resumedClient = wsClient(options.resumeOn, { token: bob.token });
  try {
    const inbox: Inbox = new SubscriptionProbe(client, NewMessageDocument, { targetUserId: alice.id });
    await waitForSubscriptions(options.subscribeOn, 1);
    const before = await sendUntilStored(system.apis[0]!, alice, bob, 'before', 'before');
    expect((await inbox.next()).data?.newMessage.id).toBe(before.id);

    const sending = (async () => {
      const acknowledged: MessageFieldsFragment[] = [];
      for (let i = 0; i < 30; i += 1) {
        acknowledged.push(await sendUntilStored(system.apis[i % 2]!, alice, bob, `during ${i}`, `during-${i}`));
        // Spaced so the per-user send limit (20 per 2 s, on in these tests) is not the subject.
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return acknowledged;
    })();
    await new Promise((resolve) => setTimeout(resolve, 300)); // mid-conversation
    await options.failover();
    const acknowledged = (await sending).map((message) => message.id);

    const resumed: Inbox = new SubscriptionProbe(resumedClient, NewMessageDocument, {
      targetUserId: alice.id,
      after: before.cursor,
    });
    for (const id of acknowledged) expect((await resumed.next(10_000)).data?.newMessage.id).toBe(id);
    const after = await sendUntilStored(system.apis[1]!, alice, bob, 'after the failover', 'after');
    expect((await resumed.next(10_000)).data?.newMessage.id).toBe(after.id);

    for (;;) {
      const id = (await inbox.next(20_000)).data?.newMessage.id;
      if (id === after.id) break;
      expect(acknowledged).toContain(id);
    }
  } finally {
    await client.dispose();
    await resumedClient.dispose();
  }
}

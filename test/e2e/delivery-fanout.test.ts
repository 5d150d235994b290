import { NewMessageDocument } from '../../src/client/graphql';
import { chatActions } from '../helpers/chat';
import { SubscriptionProbe, waitForSubscriptions, wsClient } from '../helpers/clients';
import { useTestSystem } from '../helpers/system';
import { createUsers, type TestUser } from '../helpers/users';

/** A Prometheus counter's value in a `/metrics` text (one series, no labels besides `service`). */
function counter(metrics: string, name: string): number {
  const line = metrics.split('\n').find((row) => row.startsWith(`${name}{`) || row.startsWith(`${name} `));
  if (!line) throw new Error(`${name} is not in /metrics`);
  return Number(line.split(' ').at(-1));
}

describe('fan-out of one message to many subscribers', () => {
  const env = useTestSystem();

  it('resolves sender and receiver for 50 subscribers without a single user query on the WS service', async () => {
    const [alice, bob] = (await createUsers(env.stores, 'Alice', 'Bob')) as [TestUser, TestUser];
    const ws = env.system.ws[0]!;
    const metricsUrl = ws.url.replace(/^ws/, 'http').replace(/\/graphql$/, '/metrics');
    const userQueries = async () => counter(await (await fetch(metricsUrl)).text(), 'chat_user_queries_total');
    // Bob on 5 devices, 10 subscriptions each, all selecting sender { name } and receiver { name }.
    const sockets = Array.from({ length: 5 }, () => wsClient(ws, { token: bob.token }));
    const inboxes = sockets.flatMap((socket) =>
      Array.from({ length: 10 }, () => new SubscriptionProbe(socket, NewMessageDocument, {})),
    );
    await waitForSubscriptions(ws, 50);
    const chat = chatActions(env.system.api);

    // The event carries both profiles (the API reads them once per batch), so even a sender the WS
    // service has never seen costs it no query.
    for (const round of ['first', 'second']) {
      const before = await userQueries();
      const sent = await chat.send(alice, bob, `${round} message`);
      for (const inbox of inboxes) {
        expect((await inbox.next()).data?.newMessage).toMatchObject({
          id: sent.id,
          sender: { id: alice.id, name: 'Alice' },
          receiver: { id: bob.id, name: 'Bob' },
        });
      }
      expect({ round, queries: (await userQueries()) - before }).toEqual({ round, queries: 0 });
    }
    await Promise.all(sockets.map((socket) => socket.dispose()));
  });
});

import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import {
  AddReactionDocument,
  ConversationEventStreamDocument,
  CreateGroupDocument,
  NewMessageDocument,
  SendMessageDocument,
} from '../../src/client/graphql';
import { chatActions } from '../helpers/chat';
import { graphqlOk, SubscriptionProbe, waitForSubscriptions, wsClient } from '../helpers/clients';
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

  it('resolves sender and receiver for 10 devices without a single user query on the WS service', async () => {
    const [alice, bob] = (await createUsers(env.stores, 'Alice', 'Bob')) as [TestUser, TestUser];
    const ws = env.system.ws[0]!;
    const metricsUrl = ws.url.replace(/^ws/, 'http').replace(/\/graphql$/, '/metrics');
    const userQueries = async () => counter(await (await fetch(metricsUrl)).text(), 'chat_user_queries_total');
    // Bob on 10 devices, each subscribed with the same operation (sender { name }, receiver { name }).
    const sockets = Array.from({ length: 10 }, () => wsClient(ws, { token: bob.token }));
    const inboxes = sockets.map((socket) => new SubscriptionProbe(socket, NewMessageDocument, {}));
    await waitForSubscriptions(ws, 10);
    const chat = chatActions(env.system.api);

    // The event carries both profiles (the API reads them once per batch), so even a sender the WS
    // service has never seen costs it no query.
    for (const round of ['first', 'second']) {
      const before = await userQueries();
      const executedBefore = ws.stats.snapshot().eventsExecuted;
      const sent = await chat.send(alice, bob, `${round} message`);
      for (const inbox of inboxes) {
        expect((await inbox.next()).data?.newMessage).toMatchObject({
          id: sent.id,
          sender: { id: alice.id, name: 'Alice' },
          receiver: { id: bob.id, name: 'Bob' },
        });
      }
      expect({ round, queries: (await userQueries()) - before }).toEqual({ round, queries: 0 });
      // One execution for 10 subscribers of the same operation (ws/shared-execution.ts).
      expect({ round, executed: ws.stats.snapshot().eventsExecuted - executedBefore }).toEqual({ round, executed: 1 });
    }
    await Promise.all(sockets.map((socket) => socket.dispose()));
  });

  it('executes an event once for every viewer it looks the same to, and once per viewer where it differs', async () => {
    const [ann, ben, cat] = (await createUsers(env.stores, 'Ann', 'Ben', 'Cat')) as [TestUser, TestUser, TestUser];
    const ws = env.system.ws[0]!;
    const api = env.system.api;
    const group = (
      await graphqlOk(api, CreateGroupDocument, { input: { title: 'Shared', memberIds: [ben.id, cat.id] } }, ann.token)
    ).createGroup;
    const conversationId = group.conversationId;
    // Each member on two devices, all with the same operation (reactions carry viewerHasReacted).
    const sockets = [ann, ben, cat].flatMap((user) => [
      wsClient(ws, { token: user.token }),
      wsClient(ws, { token: user.token }),
    ]);
    const streams = sockets.map(
      (socket) => new SubscriptionProbe(socket, ConversationEventStreamDocument, { conversationId }),
    );
    await waitForSubscriptions(ws, streams.length);
    const viewers = [ann, ann, ben, ben, cat, cat];

    // A new message has no reactions: the same for all six subscriptions, executed once.
    let executed = ws.stats.snapshot().eventsExecuted;
    const sent = (
      await graphqlOk(api, SendMessageDocument, { input: { conversationId, message: 'hello all' } }, ann.token)
    ).sendMessage;
    for (const stream of streams) {
      expect((await stream.next()).data?.conversationEvents).toMatchObject({
        type: 'MESSAGE_CREATED',
        message: { id: sent.id, message: 'hello all', reactions: [] },
      });
    }
    expect(ws.stats.snapshot().eventsExecuted - executed).toBe(1);

    // Ben reacts: only Ben's two devices see viewerHasReacted; one execution per viewer.
    executed = ws.stats.snapshot().eventsExecuted;
    await graphqlOk(api, AddReactionDocument, { messageId: sent.id, emoji: '👍' }, ben.token);
    for (const [index, stream] of streams.entries()) {
      const event = (await stream.next()).data?.conversationEvents;
      expect({ viewer: viewers[index]!.name, type: event?.type, reactions: event?.message?.reactions }).toEqual({
        viewer: viewers[index]!.name,
        type: 'REACTION_ADDED',
        reactions: [{ emoji: '👍', count: 1, viewerHasReacted: viewers[index] === ben, userIds: [ben.id] }],
      });
    }
    expect(ws.stats.snapshot().eventsExecuted - executed).toBe(3);
    await Promise.all(sockets.map((socket) => socket.dispose()));
  });

  it('delivers every event, in order, to a user holding many subscriptions (their slow lane), and to others', async () => {
    const [greedy, sender, other] = (await createUsers(env.stores, 'Greedy', 'Sender', 'Other')) as [
      TestUser,
      TestUser,
      TestUser,
    ];
    const ws = env.system.ws[0]!;
    const greedySocket = wsClient(ws, { token: greedy.token });
    const otherSocket = wsClient(ws, { token: other.token });
    // Twelve different operations: past the slow lane's line (10), the later ones' events each wait
    // a turn of the event loop.
    const operations = Array.from(
      { length: 12 },
      (_, i) =>
        parse(`subscription { newMessage { id copy${i}: message } }`) as TypedDocumentNode<{
          newMessage: { id: string };
        }>,
    );
    const probes = operations.map((document) => new SubscriptionProbe(greedySocket, document, {}));
    const otherInbox = new SubscriptionProbe(otherSocket, NewMessageDocument, {});
    await waitForSubscriptions(ws, 13);
    const chat = chatActions(env.system.api);
    const sent = [];
    for (let i = 0; i < 5; i += 1) sent.push(await chat.send(sender, greedy, `burst ${i}`));
    const toOther = await chat.send(sender, other, 'meanwhile');
    for (const probe of probes) {
      const received = [];
      for (let i = 0; i < sent.length; i += 1) received.push((await probe.next()).data?.newMessage.id);
      expect(received).toEqual(sent.map((message) => message.id));
    }
    expect((await otherInbox.next()).data?.newMessage.id).toBe(toOther.id);
    await Promise.all([greedySocket.dispose(), otherSocket.dispose()]);
  });
});

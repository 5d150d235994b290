import { Types } from 'mongoose';
import { ChatHistoryDocument, MeDocument, NewMessageDocument, SendMessageDocument } from '../../src/client/graphql';
import {
  graphqlOk,
  SubscriptionProbe,
  waitForNoSubscriptions,
  waitForSubscriptions,
  wsClient,
} from '../helpers/clients';
import type { TestDatastores } from '../helpers/datastores';
import { useTestSystem, type TestSystem } from '../helpers/system';
import { createUsers, type TestUser } from '../helpers/users';

describe('one message end to end: HTTP mutation -> MongoDB -> Redis -> graphql-ws', () => {
  const env = useTestSystem({ wsInstances: 2 });
  let stores: TestDatastores;
  let system: TestSystem;
  let alice: TestUser;
  let bob: TestUser;
  const clients: Array<{ dispose(): void | Promise<void> }> = [];

  beforeAll(async () => {
    ({ stores, system } = env);
    [alice, bob] = (await createUsers(stores, 'Alice', 'Bob')) as [TestUser, TestUser];
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.dispose()));
    await Promise.all(system.ws.map((server) => waitForNoSubscriptions(server)));
  });

  it('answers me from the token', async () => {
    const data = await graphqlOk(system.api, MeDocument, {}, alice.token);
    expect(data.me).toEqual({ id: alice.id, name: 'Alice', email: 'alice@example.test' });
  });

  it('delivers a message sent over HTTP to the receiver subscribed over graphql-ws, and stores it with a seq', async () => {
    const [ws] = system.ws;
    const bobSocket = wsClient(ws!, { authorization: `Bearer ${bob.token}` });
    clients.push(bobSocket);
    const inbox = new SubscriptionProbe(bobSocket, NewMessageDocument, {});
    await waitForSubscriptions(ws!, 1);

    const sent = await graphqlOk(
      system.api,
      SendMessageDocument,
      { input: { targetUserId: bob.id, message: 'Hi Bob!', clientMessageId: 'e2e-1' } },
      alice.token,
    );
    expect(sent.sendMessage).toMatchObject({
      senderId: alice.id,
      receiverId: bob.id,
      message: 'Hi Bob!',
      messageType: 'TEXT',
      seq: 1,
      isRead: false,
      sender: { id: alice.id, name: 'Alice' },
      receiver: { id: bob.id, name: 'Bob' },
    });

    const event = await inbox.next();
    expect(event.errors).toBeUndefined();
    expect(event.data?.newMessage).toEqual(sent.sendMessage);

    const history = await graphqlOk(system.api, ChatHistoryDocument, { targetUserId: alice.id }, bob.token);
    expect(history.chatHistory.messages.map((message) => message.id)).toEqual([sent.sendMessage.id]);
    expect(history.chatHistory.pagination).toEqual({ total: 1, page: 1, limit: 50, pages: 1 });

    const stored = await stores.mongo.connection
      .collection('chatmessages')
      .findOne({ _id: new Types.ObjectId(sent.sendMessage.id) });
    expect(stored).toMatchObject({
      conversationId: [alice.id, bob.id].sort().join('_'),
      message: 'Hi Bob!',
      messageType: 'text',
      seq: 1,
      clientMessageId: 'e2e-1',
    });
    expect(stored?.senderId).toEqual(new Types.ObjectId(alice.id));
  });

  it("delivers exactly once to each of the receiver's devices on two WS instances, and to the sender's other device", async () => {
    const [ws1, ws2] = system.ws as [(typeof system.ws)[0], (typeof system.ws)[0]];
    const phone = wsClient(ws1, { authorization: `Bearer ${bob.token}` });
    const laptop = wsClient(ws2, { token: bob.token });
    clients.push(phone, laptop);
    const aliceTablet = wsClient(ws2, { token: alice.token });
    clients.push(aliceTablet);
    const phoneInbox = new SubscriptionProbe(phone, NewMessageDocument, {});
    const laptopInbox = new SubscriptionProbe(laptop, NewMessageDocument, {});
    const senderOtherDevice = new SubscriptionProbe(aliceTablet, NewMessageDocument, {});
    await Promise.all([waitForSubscriptions(ws1, 1), waitForSubscriptions(ws2, 2)]);

    const sent = await graphqlOk(
      system.api,
      SendMessageDocument,
      { input: { targetUserId: bob.id, message: 'to every device' } },
      alice.token,
    );

    const [onPhone, onLaptop] = await Promise.all([phoneInbox.next(), laptopInbox.next()]);
    expect(onPhone.data?.newMessage.id).toBe(sent.sendMessage.id);
    expect(onLaptop.data?.newMessage.id).toBe(sent.sendMessage.id);
    expect((await senderOtherDevice.next()).data?.newMessage.id).toBe(sent.sendMessage.id);

    // A second message proves the first was not followed by a duplicate.
    const second = await graphqlOk(
      system.api,
      SendMessageDocument,
      { input: { targetUserId: bob.id, message: 'and again' } },
      alice.token,
    );
    expect((await phoneInbox.next()).data?.newMessage.id).toBe(second.sendMessage.id);
    expect((await laptopInbox.next()).data?.newMessage.id).toBe(second.sendMessage.id);
  });
});

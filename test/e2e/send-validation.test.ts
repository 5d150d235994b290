import { Types } from 'mongoose';
import { ChatHistoryDocument, NewMessageDocument, SendMessageDocument } from '../../src/client/graphql';
import { graphqlHttp, graphqlOk, SubscriptionProbe, waitForSubscriptions, wsClient } from '../helpers/clients';
import { startTestDatastores, type TestDatastores } from '../helpers/datastores';
import { startSystem, type TestSystem } from '../helpers/system';
import { createUsers, type TestUser } from '../helpers/users';

describe('sendMessage with bad input, retries and replay', () => {
  let stores: TestDatastores;
  let system: TestSystem;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    stores = await startTestDatastores();
    system = await startSystem(stores);
    [alice, bob] = (await createUsers(stores, 'Alice', 'Bob')) as [TestUser, TestUser];
  });

  afterAll(async () => {
    await system?.stop();
    await stores?.dispose();
  });

  const storedCount = () => stores.mongo.connection.collection('chatmessages').countDocuments();

  it.each([
    ['an empty message', { message: '  ' }, 'BAD_USER_INPUT', 'message'],
    ['a message over 4000 characters', { message: 'x'.repeat(4001) }, 'BAD_USER_INPUT', 'message'],
    [
      'an IMAGE without attachmentUrl',
      { message: 'pic', messageType: 'IMAGE' as const },
      'BAD_USER_INPUT',
      'attachmentUrl',
    ],
    [
      'a javascript: attachment',
      { message: 'f', messageType: 'FILE' as const, attachmentUrl: 'javascript:alert(1)' },
      'BAD_USER_INPUT',
      'attachmentUrl',
    ],
    ['a malformed target id', { targetUserId: '{"$ne":null}' }, 'BAD_USER_INPUT', 'targetUserId'],
    ['an unknown target user', { targetUserId: new Types.ObjectId().toHexString() }, 'NOT_FOUND', undefined],
  ])('refuses %s with %s and stores nothing', async (_case, override, code, field) => {
    const before = await storedCount();
    const { status, body } = await graphqlHttp(
      system.api,
      SendMessageDocument,
      { input: { targetUserId: bob.id, message: 'hello', ...override } },
      alice.token,
    );
    expect(status).toBe(200);
    expect(body.errors?.[0]?.extensions).toEqual({ code, ...(field ? { field } : {}) });
    expect(await storedCount()).toBe(before);
  });

  it('refuses sending to yourself', async () => {
    const { body } = await graphqlHttp(
      system.api,
      SendMessageDocument,
      { input: { targetUserId: alice.id, message: 'me' } },
      alice.token,
    );
    expect(body.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'targetUserId' });
  });

  it('answers a wrongly typed variable with a GraphQL error code, and keeps serving', async () => {
    const response = await fetch(`${system.api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${alice.token}` },
      body: JSON.stringify({
        query: 'query($t: ID!) { chatHistory(targetUserId: $t) { conversationId } }',
        variables: { t: { $ne: 1 } },
      }),
    });
    const body = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(response.status).toBe(400);
    expect(body.errors[0]?.extensions.code).toBe('BAD_USER_INPUT');
    const ok = await graphqlOk(system.api, ChatHistoryDocument, { targetUserId: bob.id }, alice.token);
    expect(ok.chatHistory.conversationId).toBe([alice.id, bob.id].sort().join('_'));
  });

  it('returns the original message for a retried clientMessageId, storing one copy', async () => {
    const input = { targetUserId: bob.id, message: 'only once', clientMessageId: 'retry-42' };
    const [first, second] = await Promise.all([
      graphqlOk(system.api, SendMessageDocument, { input }, alice.token),
      graphqlOk(system.api, SendMessageDocument, { input }, alice.token),
    ]);
    const third = await graphqlOk(system.api, SendMessageDocument, { input }, alice.token);
    expect(second.sendMessage.id).toBe(first.sendMessage.id);
    expect(third.sendMessage.id).toBe(first.sendMessage.id);
    expect(
      await stores.mongo.connection.collection('chatmessages').countDocuments({ clientMessageId: 'retry-42' }),
    ).toBe(1);
  });

  it('answers CONFLICT when a clientMessageId is reused for a different message', async () => {
    await graphqlOk(
      system.api,
      SendMessageDocument,
      { input: { targetUserId: bob.id, message: 'first use', clientMessageId: 'reused-1' } },
      alice.token,
    );
    const { body } = await graphqlHttp(
      system.api,
      SendMessageDocument,
      { input: { targetUserId: bob.id, message: 'something else', clientMessageId: 'reused-1' } },
      alice.token,
    );
    expect(body.errors?.[0]?.extensions).toEqual({ code: 'CONFLICT', field: 'clientMessageId' });
  });

  it('replays what came after a cursor, then continues live without duplicates', async () => {
    const send = (text: string) =>
      graphqlOk(system.api, SendMessageDocument, { input: { targetUserId: bob.id, message: text } }, alice.token);
    const seen = (await send('seen')).sendMessage;
    const missed = [(await send('missed 1')).sendMessage, (await send('missed 2')).sendMessage];

    const client = wsClient(system.ws[0]!, { authorization: `Bearer ${bob.token}` });
    const probe = new SubscriptionProbe(client, NewMessageDocument, { targetUserId: alice.id, after: seen.cursor });
    const replayed = [await probe.next(), await probe.next()].map((event) => event.data?.newMessage.message);
    expect(replayed).toEqual(['missed 1', 'missed 2']);
    expect(missed.map((message) => message.seq)).toEqual([seen.seq + 1, seen.seq + 2]);

    await waitForSubscriptions(system.ws[0]!, 1);
    const live = (await send('live')).sendMessage;
    expect((await probe.next()).data?.newMessage.id).toBe(live.id);
    expect(probe.pending()).toBe(0);
    await client.dispose();
  });

  it('refuses a resume cursor from another conversation', async () => {
    const [carol] = (await createUsers(stores, 'Carol')) as [TestUser];
    const other = await graphqlOk(
      system.api,
      SendMessageDocument,
      { input: { targetUserId: carol.id, message: 'hi' } },
      alice.token,
    );
    const client = wsClient(system.ws[0]!, { authorization: `Bearer ${bob.token}` });
    const probe = new SubscriptionProbe(client, NewMessageDocument, {
      targetUserId: alice.id,
      after: other.sendMessage.cursor,
    });
    const event = await probe.next();
    expect(event.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'after' });
    await client.dispose();
  });
});

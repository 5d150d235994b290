import { Types } from 'mongoose';
import { ChatHistoryDocument, NewMessageDocument, SendMessageDocument } from '../../src/client/graphql';
import { graphqlHttp, graphqlOk, SubscriptionProbe, waitForSubscriptions, wsClient } from '../helpers/clients';
import { useTestSystem } from '../helpers/system';
import { createUsers, type TestUser } from '../helpers/users';

describe('sendMessage with bad input, retries and replay', () => {
  const env = useTestSystem();
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    [alice, bob] = (await createUsers(env.stores, 'Alice', 'Bob')) as [TestUser, TestUser];
  });

  const storedCount = () => env.stores.mongo.connection.collection('chatmessages').countDocuments();

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
  ])('refuses %s with %s and env.stores nothing', async (_case, override, code, field) => {
    const before = await storedCount();
    const { status, body } = await graphqlHttp(
      env.system.api,
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
      env.system.api,
      SendMessageDocument,
      { input: { targetUserId: alice.id, message: 'me' } },
      alice.token,
    );
    expect(body.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'targetUserId' });
  });

  it('answers a wrongly typed variable with a GraphQL error code, and keeps serving', async () => {
    const response = await fetch(`${env.system.api.url}/graphql`, {
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
    const ok = await graphqlOk(env.system.api, ChatHistoryDocument, { targetUserId: bob.id }, alice.token);
    expect(ok.chatHistory.conversationId).toBe([alice.id, bob.id].sort().join('_'));
  });

  it('returns the original message for a retried clientMessageId, storing one copy', async () => {
    const input = { targetUserId: bob.id, message: 'only once', clientMessageId: 'retry-42' };
    const [first, second] = await Promise.all([
      graphqlOk(env.system.api, SendMessageDocument, { input }, alice.token),
      graphqlOk(env.system.api, SendMessageDocument, { input }, alice.token),
    ]);
    const third = await graphqlOk(env.system.api, SendMessageDocument, { input }, alice.token);
    expect(second.sendMessage.id).toBe(first.sendMessage.id);
    expect(third.sendMessage.id).toBe(first.sendMessage.id);
    expect(
      await env.stores.mongo.connection.collection('chatmessages').countDocuments({ clientMessageId: 'retry-42' }),
    ).toBe(1);
  });

  it('answers CONFLICT when a clientMessageId is reused for a different message', async () => {
    await graphqlOk(
      env.system.api,
      SendMessageDocument,
      { input: { targetUserId: bob.id, message: 'first use', clientMessageId: 'reused-1' } },
      alice.token,
    );
    const { body } = await graphqlHttp(
      env.system.api,
      SendMessageDocument,
      { input: { targetUserId: bob.id, message: 'something else', clientMessageId: 'reused-1' } },
      alice.token,
    );
    expect(body.errors?.[0]?.extensions).toEqual({ code: 'CONFLICT', field: 'clientMessageId' });
  });

  it('replays what came after a cursor, then continues live without duplicates', async () => {
    const send = (text: string) =>
      graphqlOk(env.system.api, SendMessageDocument, { input: { targetUserId: bob.id, message: text } }, alice.token);
    const seen = (await send('seen')).sendMessage;
    const missed = [(await send('missed 1')).sendMessage, (await send('missed 2')).sendMessage];

    const client = wsClient(env.system.ws[0]!, { authorization: `Bearer ${bob.token}` });
    const probe = new SubscriptionProbe(client, NewMessageDocument, { targetUserId: alice.id, after: seen.cursor });
    const replayed = [await probe.next(), await probe.next()].map((event) => event.data?.newMessage.message);
    expect(replayed).toEqual(['missed 1', 'missed 2']);
    expect(missed.map((message) => message.seq)).toEqual([seen.seq + 1, seen.seq + 2]);

    await waitForSubscriptions(env.system.ws[0]!, 1);
    const live = (await send('live')).sendMessage;
    expect((await probe.next()).data?.newMessage.id).toBe(live.id);
    // Nothing replayed twice: in-order delivery means the next message is the marker.
    const marker = (await send('marker')).sendMessage;
    expect((await probe.next()).data?.newMessage.id).toBe(marker.id);
    await client.dispose();
  });

  it('refuses a resume cursor from another conversation', async () => {
    const [carol] = (await createUsers(env.stores, 'Carol')) as [TestUser];
    const other = await graphqlOk(
      env.system.api,
      SendMessageDocument,
      { input: { targetUserId: carol.id, message: 'hi' } },
      alice.token,
    );
    const client = wsClient(env.system.ws[0]!, { authorization: `Bearer ${bob.token}` });
    const probe = new SubscriptionProbe(client, NewMessageDocument, {
      targetUserId: alice.id,
      after: other.sendMessage.cursor,
    });
    const event = await probe.next();
    expect(event.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'after' });
    await client.dispose();
  });
});

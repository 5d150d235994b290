import type { ApiServer } from '../../src/api/api.server';
import {
  DeleteMessageDocument,
  MarkAsReadDocument,
  MarkConversationReadDocument,
  NewMessageDocument,
  SendMessageDocument,
  type MessageFieldsFragment,
} from '../../src/client/graphql';
import { chatActions, conversationIdOf, sendUntilStored, untilAccepted } from '../helpers/chat';
import { graphqlHttp, SubscriptionProbe, waitForSubscriptions, wsClient } from '../helpers/clients';
import { eventually } from '../helpers/eventually';
import { spawnServiceProcess, useTestSystem, type TestEnvironment } from '../helpers/system';
import { createUsers, type TestUser } from '../helpers/users';

/**
 * The send path's guarantees under real concurrency: two API instances (and, for the stall, a
 * third in its own process) writing the same conversation through one FerretDB and one Redis.
 */

/** Ids delivered to `inbox` before the marker; delivery is in order, so that is everything sent before it. */
async function deliveredBefore(
  inbox: SubscriptionProbe<{ newMessage: { id: string } }>,
  markerId: string,
): Promise<string[]> {
  const delivered: string[] = [];
  for (;;) {
    const id = (await inbox.next()).data?.newMessage.id;
    if (id === markerId) return delivered;
    delivered.push(id!);
  }
}

/** What is stored for the conversation, read straight from the database. */
async function storedState(env: TestEnvironment, a: TestUser, b: TestUser) {
  const db = env.stores.mongo.connection;
  const conversationId = conversationIdOf(a, b);
  const messages = await db.collection('chatmessages').find({ conversationId }).sort({ seq: 1 }).toArray();
  const unreadFor = (user: TestUser) =>
    messages.filter((m) => String(m['receiverId']) === user.id && !m['isRead'] && m['deletedAt'] === null).length;
  return { messages, seqs: messages.map((m) => m['seq'] as number), unreadFor };
}

describe('the send path across two API instances', () => {
  const env = useTestSystem({ apiInstances: 2 });
  const apiFor = (i: number) => env.system.apis[i % 2]!;

  it('gives 1,000 concurrent sends from both sides unique, gap-free seqs, keeps each client’s order, and counts unread exactly', async () => {
    const [alice, bob] = (await createUsers(env.stores, 'Alice', 'Bob')) as [TestUser, TestUser];
    // Ten clients (five devices each side), each sending 100 messages one after another, all at once.
    const clients = Array.from({ length: 10 }, (_, c) => ({
      from: c % 2 ? alice : bob,
      to: c % 2 ? bob : alice,
      api: apiFor(c),
    }));
    const sent = await Promise.all(
      clients.map(async ({ from, to, api }, c) => {
        const mine: MessageFieldsFragment[] = [];
        for (let i = 0; i < 100; i += 1) mine.push(await sendUntilStored(api, from, to, `c${c} #${i}`, `c${c}-${i}`));
        return mine;
      }),
    );
    for (const mine of sent) {
      const seqs = mine.map((message) => message.seq);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    }
    const stored = await storedState(env, alice, bob);
    expect(stored.seqs).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    const chat = chatActions(env.system.api);
    expect((await chat.unread(bob)).total).toBe(500);
    expect((await chat.unread(alice)).total).toBe(500);
    const last = sent.flat().find((message) => message.seq === 1000)!;
    const conversation = await env.stores.mongo.connection
      .collection<{ _id: string }>('conversations')
      .findOne({ _id: conversationIdOf(alice, bob) });
    expect(conversation).toMatchObject({ state: { lastSeq: 1000, lastMessage: { message: last.message } } });
  }, 180_000);

  it('stores one message and spends one seq for 100 concurrent retries of one clientMessageId', async () => {
    const [alice, bob] = (await createUsers(env.stores, 'Alice', 'Bob')) as [TestUser, TestUser];
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) => sendUntilStored(apiFor(i), alice, bob, 'hundred taps', 'tap-100')),
    );
    expect(new Set(answers.map((a) => `${a.id}/${a.seq}`))).toEqual(new Set([`${answers[0]!.id}/1`]));
    const next = await chatActions(env.system.api).send(alice, bob, 'next');
    expect(next.seq).toBe(2);
    expect((await storedState(env, alice, bob)).seqs).toEqual([1, 2]);
    expect((await chatActions(env.system.api).unread(bob)).total).toBe(2);
  }, 60_000);

  it('keeps unread counts exact through concurrent sends, reads and deletes from both instances', async () => {
    const [alice, bob] = (await createUsers(env.stores, 'Alice', 'Bob')) as [TestUser, TestUser];
    const conversationId = conversationIdOf(alice, bob);
    const first: MessageFieldsFragment[] = [];
    for (let i = 0; i < 40; i += 1) first.push(await chatActions(apiFor(i)).send(alice, bob, `u${i}`));

    const work: Array<Promise<unknown>> = [];
    // Bob's two devices read overlapping handfuls by id, on different instances.
    for (let i = 0; i < 40; i += 4) {
      const ids = first.slice(i, i + 6).map((message) => message.id);
      work.push(untilAccepted(apiFor(i), MarkAsReadDocument, { conversationId, messageIds: ids }, bob));
    }
    // Alice deletes every third message (read or not) meanwhile.
    for (let i = 0; i < 40; i += 3) {
      work.push(untilAccepted(apiFor(i + 1), DeleteMessageDocument, { messageId: first[i]!.id }, alice));
    }
    // And keeps sending, while Bob's laptop marks the whole conversation read once.
    for (let i = 0; i < 20; i += 1) work.push(sendUntilStored(apiFor(i), alice, bob, `more ${i}`, `more-${i}`));
    work.push(untilAccepted(apiFor(1), MarkConversationReadDocument, { targetUserId: alice.id }, bob));
    await Promise.all(work);

    const stored = await storedState(env, alice, bob);
    expect(stored.seqs).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    const unread = await chatActions(env.system.api).unread(bob);
    expect(unread.total).toBe(stored.unreadFor(bob));
    expect(unread.byConversation[alice.id]).toBe(stored.unreadFor(bob));
  }, 60_000);
});

describe('the send path under overload', () => {
  const env = useTestSystem({ env: { SEND_MAX_IN_FLIGHT: '8' } });

  it('refuses sends past the in-flight bound at once with a retryable error, and stores and delivers every accepted one exactly once', async () => {
    const [alice, bob] = (await createUsers(env.stores, 'Alice', 'Bob')) as [TestUser, TestUser];
    const client = wsClient(env.system.ws[0]!, { token: bob.token });
    const inbox = new SubscriptionProbe(client, NewMessageDocument, {});
    await waitForSubscriptions(env.system.ws[0]!, 1);

    const graphqlSends = Array.from({ length: 120 }, (_, i) =>
      graphqlHttp(
        env.system.api,
        SendMessageDocument,
        { input: { targetUserId: bob.id, message: `g${i}` } },
        alice.token,
      ),
    );
    const restSends = Array.from({ length: 80 }, (_, i) =>
      fetch(`${env.system.api.url}/api/chat/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${alice.token}` },
        body: JSON.stringify({ targetUserId: bob.id, message: `r${i}` }),
      }),
    );
    const [graphqlAnswers, restAnswers] = await Promise.all([Promise.all(graphqlSends), Promise.all(restSends)]);

    const accepted: string[] = [];
    let refused = 0;
    for (const { body } of graphqlAnswers) {
      if (body.data) accepted.push(body.data.sendMessage.id);
      else {
        expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', retryAfter: 1 });
        refused += 1;
      }
    }
    for (const response of restAnswers) {
      const json = (await response.json()) as { success: boolean; data?: { _id: string }; error?: { code: string } };
      if (response.status === 201) accepted.push(json.data!._id);
      else {
        expect(response.status).toBe(503);
        expect(response.headers.get('retry-after')).toBe('1');
        expect(json).toMatchObject({ success: false, error: { code: 'SERVICE_UNAVAILABLE' } });
        refused += 1;
      }
    }
    expect(refused).toBeGreaterThan(0);
    expect(accepted.length).toBeGreaterThan(0);
    expect(accepted.length + refused).toBe(200);

    const stored = await storedState(env, alice, bob);
    expect(new Set(stored.messages.map((m) => String(m['_id'])))).toEqual(new Set(accepted));
    expect(stored.seqs).toEqual(Array.from({ length: accepted.length }, (_, i) => i + 1));
    // Delivery is in order, so once the marker arrives everything before it has been delivered.
    const marker = await chatActions(env.system.api).send(alice, bob, 'marker');
    const delivered = await deliveredBefore(inbox, marker.id);
    expect(delivered.sort()).toEqual([...accepted].sort());
    await client.dispose();
  }, 60_000);
});

describe('the send path with a writer stalled past its lease', () => {
  const env = useTestSystem({ env: { LEASE_TTL_MS: '400' } });

  it('loses nothing, duplicates no seq, answers no 500 and keeps counts exact when an API process is frozen mid-send', async () => {
    const [alice, bob] = (await createUsers(env.stores, 'Alice', 'Bob')) as [TestUser, TestUser];
    const frozen = await spawnServiceProcess(env.stores, 'api', { LEASE_TTL_MS: '400', RATE_LIMITS: 'off' });
    const frozenApi = { url: frozen.url.replace(/\/graphql$/, '') } as ApiServer;
    const client = wsClient(env.system.ws[0]!, { token: bob.token });
    const inbox = new SubscriptionProbe(client, NewMessageDocument, {});
    await waitForSubscriptions(env.system.ws[0]!, 1);
    const healthy = env.system.api;
    const leaseKey = `chat:lease:{${conversationIdOf(alice, bob)}}`;
    const redis = env.system.runtimes[0]!.redis.publisher;

    const sends: Array<Promise<MessageFieldsFragment>> = [];
    let n = 0;
    const send = (api: ApiServer) => {
      n += 1;
      sends.push(sendUntilStored(api, alice, bob, `m${n}`, `m-${n}`));
    };
    for (let round = 0; round < 3; round += 1) {
      // Keep the frozen process busy writing the conversation, then freeze it while it holds the lease.
      for (let i = 0; i < 60; i += 1) send(frozenApi);
      await eventually(() => redis.get(leaseKey), { what: 'the frozen process to hold the lease', interval: 1 });
      frozen.pause();
      // Past the lease: the healthy instance takes over and keeps sending.
      for (let i = 0; i < 20; i += 1) send(healthy);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      frozen.resume();
    }
    const answered = await Promise.all(sends);

    const stored = await storedState(env, alice, bob);
    expect(stored.seqs).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(new Set(answered.map((message) => message.id)).size).toBe(n);
    expect(new Set(stored.messages.map((m) => String(m['_id'])))).toEqual(new Set(answered.map((m) => m.id)));
    expect((await chatActions(healthy).unread(bob)).total).toBe(n);

    // Every message delivered exactly once: the marker comes after all of them.
    const marker = await chatActions(healthy).send(alice, bob, 'marker');
    const delivered = await deliveredBefore(inbox, marker.id);
    expect(delivered.sort()).toEqual(answered.map((m) => m.id).sort());
    await client.dispose();
    await frozen.kill();
  }, 120_000);
});

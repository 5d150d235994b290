import { ChatError } from '../../src/domain/errors';
import { conversationIdFor, type UserId } from '../../src/domain/ids';
import { decodeCursor, encodeCursor } from '../../src/domain/message/message.cursor';
import { inMemoryDomain, newId } from '../fakes/in-memory-ports';

/** The error code a failing call surfaces to clients. */
async function codeOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'OK';
  } catch (error) {
    return error instanceof ChatError ? error.code : `not a ChatError: ${String(error)}`;
  }
}

describe('chat rules', () => {
  function setup() {
    const domain = inMemoryDomain();
    const alice = domain.users.add('Alice');
    const bob = domain.users.add('Bob');
    const { messages, conversations } = domain.services;
    const send = (from: UserId, to: UserId, text: string, clientMessageId?: string) =>
      messages.send(from, { targetUserId: to, message: text, clientMessageId });
    const unread = async (user: UserId) => ({
      total: await conversations.unreadCount(user),
      listed: (await conversations.list(user, 50)).map((view) => view.unreadCount),
    });
    return { ...domain, alice, bob, send, unread, conversationId: conversationIdFor(alice, bob) };
  }

  describe('unread counts', () => {
    it('count what the receiver has not read, through sends, partial and full reads', async () => {
      const { alice, bob, send, unread, services, conversationId } = setup();
      const first = await send(alice, bob, 'one');
      await send(alice, bob, 'two');
      await send(alice, bob, 'three');
      await send(bob, alice, 'reply');
      expect(await unread(bob)).toEqual({ total: 3, listed: [3] });
      expect(await unread(alice)).toEqual({ total: 1, listed: [1] });

      const read = await services.conversations.markAsRead(bob, conversationId, [first.id]);
      expect(read.messageIds).toEqual([first.id]);
      expect(await unread(bob)).toEqual({ total: 2, listed: [2] });

      expect(await services.conversations.markConversationRead(bob, { targetUserId: alice })).toBe(2);
      expect(await services.conversations.markConversationRead(bob, { targetUserId: alice })).toBe(0);
      expect(await unread(bob)).toEqual({ total: 0, listed: [0] });
      expect(await unread(alice)).toEqual({ total: 1, listed: [1] });
    });

    it('drop a deleted unread message from the count, but not a deleted read one', async () => {
      const { alice, bob, send, unread, services, conversationId } = setup();
      const read = await send(alice, bob, 'read first');
      await services.conversations.markAsRead(bob, conversationId, [read.id]);
      const unreadOne = await send(alice, bob, 'still unread');
      await send(alice, bob, 'also unread');
      expect(await unread(bob)).toEqual({ total: 2, listed: [2] });

      await services.changes.delete(alice, read.id);
      expect(await unread(bob)).toEqual({ total: 2, listed: [2] });
      await services.changes.delete(alice, unreadOne.id);
      expect(await unread(bob)).toEqual({ total: 1, listed: [1] });
      await services.changes.delete(alice, unreadOne.id); // a retried delete changes nothing
      expect(await unread(bob)).toEqual({ total: 1, listed: [1] });
    });

    it('zero on hide, never go negative for hidden messages deleted later, and count again after', async () => {
      const { alice, bob, send, unread, services } = setup();
      const hiddenUnread = await send(alice, bob, 'hidden before it was read');
      await services.conversations.hide(bob, { targetUserId: alice });
      expect(await unread(bob)).toEqual({ total: 0, listed: [] });

      await services.changes.delete(alice, hiddenUnread.id);
      expect(await unread(bob)).toEqual({ total: 0, listed: [] });

      const after = await send(alice, bob, 'brings it back');
      expect(await unread(bob)).toEqual({ total: 1, listed: [1] });
      const history = await services.messages.history(bob, { targetUserId: alice }, 50, 1);
      expect(history.messages.map((message) => message.id)).toEqual([after.id]);
    });
  });

  describe('idempotent sends', () => {
    it('answer a retried clientMessageId with the original, store and announce it once, and spend no seq', async () => {
      const { alice, bob, send, messages, broker } = setup();
      const original = await send(alice, bob, 'once', 'retry-1');
      const retried = await send(alice, bob, 'once', 'retry-1');
      expect(retried).toEqual(original);
      expect(messages.stored).toHaveLength(1);
      expect(broker.ofKind('MESSAGE_CREATED')).toHaveLength(1);
      expect((await send(alice, bob, 'next')).seq).toBe(original.seq + 1);
    });

    it('store one message for concurrent retries', async () => {
      const { alice, bob, send, messages } = setup();
      const answers = await Promise.all([
        send(alice, bob, 'before'),
        ...Array.from({ length: 10 }, () => send(alice, bob, 'tapped ten times', 'tap')),
      ]);
      expect(new Set(answers.slice(1).map((message) => message.id)).size).toBe(1);
      expect(messages.stored).toHaveLength(2);
      expect(messages.stored.map((message) => message.seq).sort()).toEqual([1, 2]);
    });

    it('refuse a clientMessageId reused for a different text with CONFLICT', async () => {
      const { alice, bob, send } = setup();
      await send(alice, bob, 'first text', 'reused');
      expect(await codeOf(send(alice, bob, 'other text', 'reused'))).toBe('CONFLICT');
    });
  });

  describe('who may delete', () => {
    it('lets only the sender delete, hides the message from both, and moves the preview back', async () => {
      const { alice, bob, send, services, broker } = setup();
      const carol = inMemoryDomain().users.add('Carol'); // exists nowhere here: a stranger
      const earlier = await send(alice, bob, 'earlier');
      const latest = await send(alice, bob, 'latest');

      expect(await codeOf(services.changes.delete(bob, latest.id))).toBe('FORBIDDEN');
      expect(await codeOf(services.changes.delete(carol, latest.id))).toBe('FORBIDDEN');
      expect(await codeOf(services.changes.delete(alice, newId()))).toBe('NOT_FOUND');
      expect(await codeOf(services.changes.delete(alice, 'not-an-id'))).toBe('BAD_USER_INPUT');
      expect(broker.ofKind('MESSAGE_DELETED')).toHaveLength(0);

      expect(await services.changes.delete(alice, latest.id)).toBe(true);
      expect(await services.changes.delete(alice, latest.id)).toBe(true);
      expect(broker.ofKind('MESSAGE_DELETED').map((event) => event.messageId)).toEqual([latest.id]);
      for (const user of [alice, bob]) {
        const [view] = await services.conversations.list(user, 50);
        expect(view?.lastMessage?.messageId).toBe(earlier.id);
        expect(
          (await services.messages.history(user, { targetUserId: user === alice ? bob : alice }, 50, 1)).total,
        ).toBe(1);
      }
    });
  });
});

describe('cursors', () => {
  const a = 'a'.repeat(24) as UserId;
  const b = 'b'.repeat(24) as UserId;
  const c = 'c'.repeat(24) as UserId;
  const ab = conversationIdFor(a, b);

  it('round-trip a position within its conversation', () => {
    expect(decodeCursor(encodeCursor(ab, 42), ab, 'after')).toBe(42);
  });

  it.each([
    ['garbage', 'not a cursor'],
    ['an empty string', ''],
    ['a negative seq', Buffer.from(`${ab}:-1`).toString('base64url')],
    ['a seq beyond 15 digits', Buffer.from(`${ab}:${'9'.repeat(16)}`).toString('base64url')],
    ['an oversized string', 'A'.repeat(10_000)],
    ['another conversation', encodeCursor(conversationIdFor(a, c), 1)],
  ])('refuse %s with BAD_USER_INPUT naming the field', (_name, cursor) => {
    expect(() => decodeCursor(cursor, ab, 'after')).toThrow(
      expect.objectContaining({ code: 'BAD_USER_INPUT', details: { field: 'after' } }),
    );
  });

  it('page newer than a cursor, oldest first, without the message it points at', async () => {
    const domain = inMemoryDomain();
    const alice = domain.users.add('Alice');
    const bob = domain.users.add('Bob');
    const sent = [];
    for (const text of ['1', '2', '3', '4'])
      sent.push(await domain.services.messages.send(alice, { targetUserId: bob, message: text }));
    const page = await domain.services.messages.slice(
      bob,
      { targetUserId: alice },
      2,
      null,
      encodeCursor(sent[0]!.conversationId, 1),
    );
    expect(page.messages.map((message) => message.message)).toEqual(['2', '3']);
    expect(page).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
  });
});

describe('presence privacy', () => {
  it("answers a stranger's presence exactly like a user never seen, and a contact's truthfully", async () => {
    const domain = inMemoryDomain();
    const alice = domain.users.add('Alice');
    const bob = domain.users.add('Bob');
    const stranger = domain.users.add('Stranger');
    await domain.services.messages.send(bob, { targetUserId: alice, message: 'we are contacts' });
    for (const user of [bob, stranger, alice]) await domain.services.presence.connected(user, 'instance-1');

    const answer = await domain.services.presence.lookup(alice, [bob, stranger, alice, newId()]);
    expect(answer.map(({ online }) => online)).toEqual([true, false, true, false]);
    expect(answer[1]).toEqual({ userId: stranger, online: false, lastSeenAt: null });
  });

  it('announces status changes only to contacts', async () => {
    const domain = inMemoryDomain();
    const alice = domain.users.add('Alice');
    const bob = domain.users.add('Bob');
    domain.users.add('Stranger');
    await domain.services.messages.send(bob, { targetUserId: alice, message: 'hi' });
    await domain.services.presence.connected(bob, 'instance-1');
    expect(domain.broker.ofKind('USER_STATUS').map((event) => event.audience)).toEqual([[alice]]);
  });
});

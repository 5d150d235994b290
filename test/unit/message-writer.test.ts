import { ChatError } from '../../src/domain/errors';
import { conversationIdFor, type UserId } from '../../src/domain/ids';
import { inMemoryDomain, type InMemoryMessages } from '../fakes/in-memory-ports';

/**
 * The send algorithm's rare paths, which real concurrency reaches only by luck: what a writer
 * that stalled or died left behind, a lease store that restarted empty, and the in-flight bound.
 * (The e2e suite drives the same code through two API instances, FerretDB and Redis.)
 */
function setup(options: { sendMaxInFlight?: number } = {}) {
  const domain = inMemoryDomain(options);
  const alice = domain.users.add('Alice');
  const bob = domain.users.add('Bob');
  return withSend(domain, alice, bob);
}

function withSend(domain: ReturnType<typeof inMemoryDomain>, alice: UserId, bob: UserId) {
  const send = (from: UserId, to: UserId, text: string, clientMessageId?: string) =>
    domain.services.messages.send(from, { targetUserId: to, message: text, clientMessageId });
  return { ...domain, alice, bob, send, conversationId: conversationIdFor(alice, bob) };
}

/** A message stored by a writer that froze before recording it in the conversation document. */
function leaveBehind(domain: ReturnType<typeof setup>, seq: number, clientMessageId: string) {
  const [stored] = domain.messages.stored.slice(-1);
  const now = new Date();
  const leftover = {
    ...stored!,
    id: `leftover${seq}`.padEnd(24, '0'),
    seq,
    message: `left behind ${seq}`,
    clientMessageId,
    createdAt: now,
    updatedAt: now,
  };
  domain.messages.stored.push(leftover);
  return leftover;
}

describe('the message writer', () => {
  it('folds in what a stalled writer stored but never recorded: counted, previewed, published, no seq reused', async () => {
    const domain = setup();
    const { alice, bob, send, conversations, broker, conversationId, services } = domain;
    await send(alice, bob, 'first');
    const leftover = leaveBehind(domain, 2, 'frozen-1');

    const next = await send(alice, bob, 'after the stall');
    expect(next.seq).toBe(3);
    const conversation = await conversations.findById(conversationId);
    expect(conversation).toMatchObject({ lastSeq: 3, lastMessage: { messageId: next.id } });
    expect(await services.conversations.unreadCount(bob)).toBe(3);
    expect(broker.ofKind('MESSAGE_CREATED').map((event) => event.message.seq)).toEqual([1, 2, 3]);
    expect(broker.ofKind('MESSAGE_CREATED')[1]!.message.id).toBe(leftover.id);
  });

  it('answers the retry of a send whose writer froze with the message it left, publishing it once', async () => {
    const domain = setup();
    const { alice, bob, send, broker, messages } = domain;
    await send(alice, bob, 'first');
    const leftover = leaveBehind(domain, 2, 'retried-after-freeze');

    const retried = await send(alice, bob, leftover.message, 'retried-after-freeze');
    expect(retried).toMatchObject({ id: leftover.id, seq: 2 });
    expect(messages.stored).toHaveLength(2);
    expect(broker.ofKind('MESSAGE_CREATED').map((event) => event.message.id)).toEqual([
      messages.stored[0]!.id,
      leftover.id,
    ]);
    expect((await send(alice, bob, 'next')).seq).toBe(3);
  });

  it('keeps writing after the lease store restarts empty (its fences start below the stored one)', async () => {
    const { alice, bob, send, conversations, conversationId } = setup();
    await send(alice, bob, 'before the restart');
    conversations.stored.get(conversationId)!.fence = 1_000; // written by a lease of the old counter
    const after = await send(alice, bob, 'after the restart');
    expect(after.seq).toBe(2);
    expect(conversations.stored.get(conversationId)!.fence).toBeGreaterThan(1_000);
  });

  it('refuses sends past the in-flight bound at once with a retryable error, and completes the accepted ones', async () => {
    const { alice, bob, send, leases, conversationId, messages } = setup({ sendMaxInFlight: 2 });
    leases.holdElsewhere(conversationId); // another process writes the conversation: sends wait
    const accepted = [send(alice, bob, 'one'), send(alice, bob, 'two')];
    await new Promise((resolve) => setImmediate(resolve));
    const refusal = await send(alice, bob, 'three').catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ChatError);
    expect(refusal).toMatchObject({ code: 'SERVICE_UNAVAILABLE', details: { retryAfter: 1 } });

    leases.elsewhere.clear();
    expect((await Promise.all(accepted)).map((message) => message.seq)).toEqual([1, 2]);
    expect(messages.stored.map((message) => message.message)).toEqual(['one', 'two']);
    expect((await send(alice, bob, 'room again')).seq).toBe(3);
  });

  it('never takes back a message it stored: a writer stalled past its lease after storing part of a batch leaves those to the writer that took over', async () => {
    const healthy = setup();
    const { alice, bob, conversationId, leases, messages, broker } = healthy;
    const first = await healthy.send(alice, bob, 'first', 'k-first');

    // A second process whose message store stalls it right after its next insert returns.
    let stalled!: () => void;
    const hasStalled = new Promise<void>((resolve) => (stalled = resolve));
    let resume!: () => void;
    const resumed = new Promise<void>((resolve) => (resume = resolve));
    const stallingStore: InMemoryMessages = Object.create(messages);
    stallingStore.insertMany = async (batch) => {
      const results = await messages.insertMany(batch);
      stalled();
      await resumed;
      return results;
    };
    const frozen = withSend(inMemoryDomain({ sharing: healthy, messages: stallingStore }), alice, bob);

    // One batch: two new messages and a retry of 'first', which the index refuses after the two.
    leases.holdElsewhere(conversationId);
    const answers = [
      frozen.send(alice, bob, 'a', 'k-a'),
      frozen.send(alice, bob, 'b', 'k-b'),
      frozen.send(alice, bob, 'first', 'k-first'),
    ];
    await new Promise((resolve) => setImmediate(resolve));
    leases.elsewhere.clear();
    await hasStalled;

    // Its lease runs out; the healthy process takes over, folds in 'a' and 'b' and publishes them.
    leases.expire(conversationId);
    const c = await healthy.send(alice, bob, 'c', 'k-c');
    expect(c.seq).toBe(4);
    resume();

    const [a, b, retried] = await Promise.all(answers);
    expect([a!.seq, b!.seq, retried!.id]).toEqual([2, 3, first.id]);
    expect(messages.stored.map((message) => [message.seq, message.message]).sort()).toEqual([
      [1, 'first'],
      [2, 'a'],
      [3, 'b'],
      [4, 'c'],
    ]);
    const published = broker.ofKind('MESSAGE_CREATED').map((event) => event.message.id);
    expect(published).toEqual([first.id, a!.id, b!.id, c.id]);
    expect(await healthy.services.conversations.unreadCount(bob)).toBe(4);
  });
});

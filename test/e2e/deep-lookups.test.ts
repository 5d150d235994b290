import { randomBytes } from 'node:crypto';
import { Types } from 'mongoose';
import type { ConversationId, UserId } from '../../src/domain/ids';
import { MongoMessageRepository } from '../../src/persistence/message/chat-message.repository';
import { connectMongo, type MongoHandle } from '../../src/persistence/mongo.connection';
import { MAX_WALK_ROUNDS } from '../../src/persistence/seq-walk';
import { directMessage } from '../helpers/messages';

/**
 * Lookups that walk a conversation's positions from the top down, and fall back to a filter when
 * what they look for lies deeper than the walk goes: the unread messages a read marks, and search
 * in one conversation. Both paths, on the real store: the answer must not depend on where the
 * messages sit.
 */
describe('lookups by position and their fallback filters, in a conversation of 1,100 messages', () => {
  let mongo: MongoHandle;
  let messages: MongoMessageRepository;
  const alice = new Types.ObjectId().toHexString() as UserId;
  const bob = new Types.ObjectId().toHexString() as UserId;
  const conversationId = [alice, bob].sort().join('_') as ConversationId;
  // Deeper than the walk's rounds reach from the top (16 + 32 + … positions).
  const total = 1_100;

  beforeAll(async () => {
    mongo = await connectMongo(process.env.CHAT_TEST_MONGO_URL!, {
      dbName: `chat_lookups_${randomBytes(6).toString('hex')}`,
    });
    messages = new MongoMessageRepository(mongo.connection);
    // Every third message is bob's own: never unread for him.
    const outgoing = (seq: number) =>
      seq % 3 === 0 ? directMessage(conversationId, seq, bob, alice) : directMessage(conversationId, seq, alice, bob);
    await messages.insertMany(Array.from({ length: total }, (_, index) => outgoing(index + 1)));
    // Bob has read everything but message 1 and the newest of alice's, 1,100.
    await mongo.connection
      .db!.collection('chatmessages')
      .updateMany({ conversationId, seq: { $gt: 1, $lt: total } }, { $set: { isRead: true, readAt: new Date() } });
  });

  afterAll(async () => {
    await mongo?.connection.dropDatabase().catch(() => undefined);
    await mongo?.close();
  });

  const range = { conversationId, floorSeq: 0, topSeq: total };

  it('finds an unread message below a thousand read ones (the walk gives up, the filter answers)', async () => {
    // The walk's rounds cover 16 + 32 + … positions from the top: message 1 lies below them.
    expect(total - 1).toBeGreaterThan(16 * (2 ** MAX_WALK_ROUNDS - 1));
    expect((await messages.unreadFor(range, bob, total, {}, 2)).map((m) => m.seq)).toEqual([1, total]);
  });

  it('finds the newest unread ones from the top, and looks for none when none are counted', async () => {
    expect((await messages.unreadFor(range, bob, total, {}, 1)).map((m) => m.seq)).toEqual([total]);
    expect(await messages.unreadFor(range, bob, total, {}, 0)).toEqual([]);
  });

  it('searches one conversation newest first, by the walk or, for a rare word, by the filter', async () => {
    expect((await messages.search([range], 'm', 3)).map((m) => m.seq)).toEqual([total, total - 1, total - 2]);
    // One match, at the very bottom: past the walk's rounds for one result (16 + 32 + … positions).
    expect((await messages.search([range], '^m1$', 1)).map((m) => m.seq)).toEqual([1]);
    // Within them for 50 (50 + 100 + … positions): the walk reaches the bottom itself.
    expect((await messages.search([range], '^m1$', 50)).map((m) => m.seq)).toEqual([1]);
    // Case-insensitive on both paths.
    expect((await messages.search([range], 'M110', 50)).map((m) => m.seq)).toEqual([total, 110]);
    expect((await messages.search([range], '^M1$', 1)).map((m) => m.seq)).toEqual([1]);
    expect(await messages.search([{ ...range, floorSeq: 1 }], '^m1$', 50)).toEqual([]);
  });

  it('answers named messages only when they are unread to the reader, inside the range', async () => {
    const [first] = await messages.unreadFor(range, bob, total, {}, 2);
    expect(first?.seq).toBe(1);
    expect((await messages.unreadFor(range, bob, total, { ids: [first!.id] }, 2)).map((m) => m.seq)).toEqual([1]);
    // Not to its sender; and not below the reader's floor (a cleared history).
    expect(await messages.unreadFor(range, alice, total, { ids: [first!.id] }, 2)).toEqual([]);
    expect(await messages.unreadFor({ ...range, floorSeq: 1 }, bob, total, { ids: [first!.id] }, 2)).toEqual([]);
  });
});

import { NO_DETAILS } from '../../src/domain/timeline/user-journal';
import { randomBytes } from 'node:crypto';
import { Types } from 'mongoose';
import type { ConversationId, UserId } from '../../src/domain/ids';
import { connectMongo, type MongoHandle } from '../../src/persistence/mongo.connection';
import { MongoUserJournalRepository } from '../../src/persistence/user-stream/user-journal.repository';

/** The user journal on the real store: dense positions under racing writers, and its pruning. */
describe('user journal', () => {
  let mongo: MongoHandle;
  const conversationId = `g_${new Types.ObjectId().toHexString()}` as ConversationId;
  const entry = (userId: UserId, readSeq: number) => ({
    ...NO_DETAILS,
    type: 'MESSAGES_READ' as const,
    conversationId,
    actorId: userId,
    occurredAt: new Date(),
    readSeq,
  });

  beforeAll(async () => {
    mongo = await connectMongo(process.env.CHAT_TEST_MONGO_URL!, {
      dbName: `chat_journal_${randomBytes(6).toString('hex')}`,
    });
  });

  afterAll(async () => {
    await mongo?.connection.dropDatabase().catch(() => undefined);
    await mongo?.close();
  });

  it('gives racing appends of one user dense positions, each once', async () => {
    const journals = new MongoUserJournalRepository(mongo.connection);
    const user = new Types.ObjectId().toHexString() as UserId;
    // Two at a time, as two devices (or instances) appending at once: each meets the other's position.
    for (let round = 0; round < 5; round += 1) {
      await Promise.all([
        journals.append(user, entry(user, round * 2)),
        journals.append(user, entry(user, round * 2 + 1)),
      ]);
    }
    const stored = await journals.after(user, 0, 100);
    expect(stored.map((read) => read.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(stored.map((read) => read.readSeq ?? -1).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await journals.lastSeq(user)).toBe(10);
  });

  it('keeps the newest entries of a user, and only theirs', async () => {
    const journals = new MongoUserJournalRepository(mongo.connection, 5);
    const [user, other] = [new Types.ObjectId().toHexString(), new Types.ObjectId().toHexString()] as UserId[];
    await journals.append(other!, entry(other!, 1));
    for (let i = 1; i <= 12; i += 1) await journals.append(user!, entry(user!, i));
    expect((await journals.after(user!, 0, 100)).map((read) => read.seq)).toEqual([8, 9, 10, 11, 12]);
    expect((await journals.after(other!, 0, 100)).map((read) => read.seq)).toEqual([1]);
  });
});

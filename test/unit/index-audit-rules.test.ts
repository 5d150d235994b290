import { indexFor, targetsShards, type IndexSpec } from '../helpers/index-audit';

const INDEXES: IndexSpec[] = [
  { name: '_id_', key: { _id: 1 } },
  { name: 'conversationId_1_createdAt_-1', key: { conversationId: 1, createdAt: -1 } },
  { name: 'receiverId_1_isRead_1', key: { receiverId: 1, isRead: 1 } },
  { name: 'conversationId_1_seq_1', key: { conversationId: 1, seq: 1 } },
];

describe('index audit rules', () => {
  it('picks the index whose leading fields the filter bounds most, preferring one that yields the sort', () => {
    expect(indexFor({ _id: 'x' }, undefined, INDEXES)).toBe('_id_');
    expect(indexFor({ conversationId: 'c', seq: { $gt: 3 }, deletedAt: null }, { seq: -1 }, INDEXES)).toBe(
      'conversationId_1_seq_1',
    );
    // Two indexes bound two fields each; the one that also returns the sort order wins.
    expect(
      indexFor({ conversationId: 'c', seq: { $gt: 0 }, receiverId: 'r', isRead: false }, { seq: 1 }, INDEXES),
    ).toBe('conversationId_1_seq_1');
    expect(indexFor({ conversationId: 'c', deletedAt: null }, { seq: -1 }, INDEXES)).toBe('conversationId_1_seq_1');
  });

  it('finds no index for filters that bound no leading field, or only with $ne / $exists / $regex', () => {
    expect(indexFor({ deletedAt: null }, undefined, INDEXES)).toBeNull();
    expect(indexFor({ conversationId: { $ne: 'c' } }, undefined, INDEXES)).toBeNull();
    expect(indexFor({ message: { $regex: 'x' } }, undefined, INDEXES)).toBeNull();
  });

  it('uses indexes for $or only when every branch has one: the same one, or a union of several', () => {
    const both = {
      $or: [
        { conversationId: 'a', seq: { $gt: 1 } },
        { conversationId: 'b', seq: { $gt: 0 } },
      ],
    };
    expect(indexFor(both, { createdAt: -1 }, INDEXES)).toBe('conversationId_1_seq_1');
    expect(indexFor({ $or: [{ conversationId: 'a' }, { message: 'x' }] }, undefined, INDEXES)).toBeNull();
    const union = { $or: [{ receiverId: 'r' }, { conversationId: 'a' }, { conversationId: 'b' }], isRead: false };
    expect(indexFor(union, undefined, INDEXES)).toBe('conversationId_1_createdAt_-1 + receiverId_1_isRead_1');
  });

  it('tells a query routed by its shard key from a scatter-gather', () => {
    expect(targetsShards({ conversationId: 'c', seq: 1 }, { conversationId: 1 })).toBe(true);
    expect(targetsShards({ conversationId: { $in: ['a', 'b'] }, _id: { $in: [] } }, { conversationId: 1 })).toBe(true);
    expect(targetsShards({ $or: [{ conversationId: 'a' }, { conversationId: 'b' }] }, { conversationId: 1 })).toBe(
      true,
    );
    expect(targetsShards({ _id: 'm' }, { conversationId: 1 })).toBe(false);
    expect(targetsShards({ conversationId: { $gt: 'a' } }, { conversationId: 1 })).toBe(false);
    // A bounded range on a ranged key asks the chunks covering it; on a hashed key, every shard.
    expect(targetsShards({ _id: { $gt: 'g_1|', $lt: 'g_1|~' } }, { _id: 1 })).toBe(true);
    expect(targetsShards({ _id: { $gt: 'g_1|', $lt: 'g_1|~' } }, { _id: 'hashed' })).toBe(false);
    expect(targetsShards({ participants: 'u' }, { _id: 'hashed' })).toBe(false);
  });
});

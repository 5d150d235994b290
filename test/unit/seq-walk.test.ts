import { MAX_WALK_ROUNDS, shownSeqsDown, walkDown, walkUp } from '../../src/persistence/seq-walk';

interface Doc {
  seq: number;
  deleted: boolean;
}

/** A conversation of `top` positions, some deleted, read the way the repository reads it: by sets. */
function store(top: number, deleted: (seq: number) => boolean = () => false) {
  const docs = Array.from({ length: top }, (_, i) => ({ seq: i + 1, deleted: deleted(i + 1) }));
  const asked: number[][] = [];
  const fetch = async (seqs: number[]) => {
    asked.push(seqs);
    return docs.filter((doc) => seqs.includes(doc.seq)).reverse(); // any order
  };
  return { fetch, asked };
}
const shown = (doc: Doc) => !doc.deleted;
const seqs = (docs: Doc[] | null) => docs?.map((doc) => doc.seq) ?? null;

describe('pages as computed sets of positions', () => {
  it('reads the newest page in one set of exactly the positions it needs', async () => {
    const { fetch, asked } = store(10_000);
    expect(seqs(await walkDown(fetch, shown, 10_000, 0, 50))).toEqual(Array.from({ length: 50 }, (_, i) => 10_000 - i));
    expect(asked).toHaveLength(1);
    expect(asked[0]).toHaveLength(50);
  });

  it('steps over deleted messages by asking for more, newest first, never below the floor', async () => {
    const { fetch } = store(300, (seq) => seq % 3 === 0);
    const page = seqs(await walkDown(fetch, shown, 200, 150, 40));
    expect(page).toEqual(
      Array.from({ length: 50 }, (_, i) => 200 - i)
        .filter((seq) => seq % 3 !== 0 && seq > 150)
        .slice(0, 40),
    );
    expect(seqs(await walkDown(fetch, shown, 10, 0, 50))).toEqual([10, 8, 7, 5, 4, 2, 1]);
    expect(seqs(await walkDown(fetch, shown, 10, 10, 5))).toEqual([]);
  });

  it('walks up to the end of the conversation, past the recorded top, and through holes below it', async () => {
    const { fetch } = store(120, (seq) => seq > 100 && seq < 110);
    expect(seqs(await walkUp(fetch, shown, 95, 10, 100))).toEqual([96, 97, 98, 99, 100, 110, 111, 112, 113, 114]);
    // Two messages stored above the recorded top (a writer that has not recorded them yet).
    expect(seqs(await walkUp(fetch, shown, 115, 50, 118))).toEqual([116, 117, 118, 119, 120]);
    const holes = store(40);
    const missing = async (asked: number[]) => (await holes.fetch(asked)).filter((doc) => doc.seq !== 20);
    expect(seqs(await walkUp(missing, shown, 10, 50, 40))).toEqual(
      Array.from({ length: 30 }, (_, i) => i + 11).filter((seq) => seq !== 20),
    );
  });

  it('gives up after a bounded number of rounds, so the caller can use its range query', async () => {
    const { fetch, asked } = store(100_000, (seq) => seq < 90_000);
    expect(await walkDown(fetch, shown, 89_999, 0, 50)).toBeNull();
    expect(asked).toHaveLength(MAX_WALK_ROUNDS);
    expect(Math.max(...asked.map((set) => set.length))).toBeLessThanOrEqual(1000);
  });
});

describe('deep pages computed from the hidden positions', () => {
  /** The same page by listing every shown position: what shownSeqsDown must equal. */
  const listed = (from: number, floor: number, hidden: Set<number>, skip: number, count: number) => {
    const shownSeqs: number[] = [];
    for (let seq = from; seq > floor; seq -= 1) if (!hidden.has(seq)) shownSeqs.push(seq);
    return shownSeqs.slice(skip, skip + count);
  };

  it('equals listing every shown position, for hidden runs at the edges, in the middle and next to the floor', () => {
    const cases: Array<{ from: number; floor: number; hidden: number[] }> = [
      { from: 100, floor: 0, hidden: [] },
      { from: 100, floor: 0, hidden: [100, 99, 98, 50, 1] },
      { from: 100, floor: 20, hidden: [21, 22, 23, 60, 61] },
      { from: 30, floor: 10, hidden: Array.from({ length: 20 }, (_, i) => 30 - i) }, // everything
      { from: 1_000_000, floor: 0, hidden: [999_999, 500_000, 499_999, 2] },
    ];
    for (const { from, floor, hidden } of cases) {
      const desc = [...hidden].sort((a, b) => b - a);
      for (const skip of [0, 1, 2, 3, 17, 49, 50, 78, 79, 80, 500_000]) {
        for (const count of [1, 3, 50]) {
          expect({ from, floor, skip, count, seqs: shownSeqsDown(from, floor, desc, skip, count) }).toEqual({
            from,
            floor,
            skip,
            count,
            seqs: listed(from, floor, new Set(hidden), skip, count),
          });
        }
      }
    }
    // Deep in a million positions: the hidden ones above the page shift it by as many.
    expect(shownSeqsDown(1_000_000, 0, [999_999, 500_000, 499_999, 2], 500_000, 3)).toEqual([
      499_997, 499_996, 499_995,
    ]);
  });
});

/**
 * Pages of a conversation's dense positions (`seq` 1, 2, 3, … with no gaps below the recorded top)
 * read as computed sets of positions: `{ conversationId, seq: { $in: [...] } }` is a few lookups in
 * the unique `(conversationId, seq)` index on any store, where a range with a sort and a limit is a
 * read of the whole conversation on the embedded one (README, "The embedded store"). Positions
 * whose documents are hidden (deleted) are stepped over by asking for more, in growing batches;
 * past a bound the caller falls back to its range query, which is correct everywhere.
 */

/** Reads the documents at these positions (any order; absent positions are skipped). */
export type FetchSeqs<T> = (seqs: number[]) => Promise<T[]>;

/** Rounds before a walk gives up and the caller uses its range query. @default 6 (~2,600 positions for a page of 50) */
export const MAX_WALK_ROUNDS = 6;
/** Largest set asked at once (the patched store pushes down `$in` lists up to 1,000). @default 1,000 */
export const MAX_WALK_BATCH = 1000;

function positions(from: number, to: number): number[] {
  const step = from <= to ? 1 : -1;
  const seqs: number[] = [];
  for (let seq = from; step > 0 ? seq <= to : seq >= to; seq += step) seqs.push(seq);
  return seqs;
}

/**
 * The first `need` shown documents above `afterSeq`, oldest first; null when the walk would take
 * more than {@link MAX_WALK_ROUNDS} rounds. Positions up to `knownTop` (the top the conversation
 * recorded) exist unless removed for good, so the walk goes on past a hole below it; above it, the
 * first position with no document ends the conversation.
 */
export async function walkUp<T extends { seq: number }>(
  fetch: FetchSeqs<T>,
  shown: (doc: T) => boolean,
  afterSeq: number,
  need: number,
  knownTop: number,
): Promise<T[] | null> {
  const found: T[] = [];
  let next = afterSeq + 1;
  let batch = Math.min(Math.max(need, 16), MAX_WALK_BATCH);
  for (let round = 0; round < MAX_WALK_ROUNDS; round += 1) {
    const last = next + batch - 1;
    const docs = (await fetch(positions(next, last))).sort((a, b) => a.seq - b.seq);
    found.push(...docs.filter(shown));
    if (found.length >= need) return found.slice(0, need);
    if (last >= knownTop && docs.length < batch) return found;
    next = last + 1;
    batch = Math.min(batch * 2, MAX_WALK_BATCH);
  }
  return null;
}

/**
 * The first `need` shown documents at or below `fromSeq` and above `floorSeq`, newest first; null
 * when the walk would take more than {@link MAX_WALK_ROUNDS} rounds.
 */
export async function walkDown<T extends { seq: number }>(
  fetch: FetchSeqs<T>,
  shown: (doc: T) => boolean,
  fromSeq: number,
  floorSeq: number,
  need: number,
): Promise<T[] | null> {
  const found: T[] = [];
  let next = fromSeq;
  let batch = Math.min(Math.max(need, 16), MAX_WALK_BATCH);
  for (let round = 0; round < MAX_WALK_ROUNDS; round += 1) {
    if (next <= floorSeq || need === 0) return found.slice(0, need);
    const lowest = Math.max(floorSeq + 1, next - batch + 1);
    const docs = (await fetch(positions(next, lowest))).sort((a, b) => b.seq - a.seq);
    found.push(...docs.filter(shown));
    if (found.length >= need) return found.slice(0, need);
    next = lowest - 1;
    batch = Math.min(batch * 2, MAX_WALK_BATCH);
  }
  return next <= floorSeq ? found : null;
}

/**
 * The positions of the shown documents `skip` to `skip + count - 1`, newest first, at or below
 * `fromSeq` and above `floorSeq`, given every hidden position in that span (`hiddenDesc`, newest
 * first): positions are dense, so a deep page of the page API is computed, not walked to.
 */
export function shownSeqsDown(
  fromSeq: number,
  floorSeq: number,
  hiddenDesc: readonly number[],
  skip: number,
  count: number,
): number[] {
  const seqs: number[] = [];
  let toSkip = skip;
  let seq = fromSeq;
  let next = 0; // index of the next hidden position at or below `seq`
  while (seq > floorSeq && seqs.length < count) {
    while (next < hiddenDesc.length && hiddenDesc[next]! > seq) next += 1;
    const boundary = next < hiddenDesc.length ? Math.max(hiddenDesc[next]!, floorSeq) : floorSeq;
    const run = seq - boundary; // shown positions in (boundary, seq]
    if (toSkip >= run) toSkip -= run;
    else {
      const top = seq - toSkip;
      toSkip = 0;
      for (let position = top; position > boundary && seqs.length < count; position -= 1) seqs.push(position);
    }
    seq = boundary - 1;
    next += 1;
  }
  return seqs;
}

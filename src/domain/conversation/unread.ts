import type { GroupState } from './conversation.types';
import type { TallyMark } from './membership.types';

/**
 * Deleted seqs a group document keeps before dropping the oldest. A member whose read mark is
 * older than what was dropped gets one count query instead (see {@link groupUnread}). @default 200
 */
export const MAX_KEPT_DELETIONS = 200;

export function trimDeletions(
  deletions: readonly number[],
  deletionsFloor: number,
): { deletions: number[]; deletionsFloor: number } {
  const sorted = [...new Set(deletions)].sort((a, b) => a - b);
  if (sorted.length <= MAX_KEPT_DELETIONS) return { deletions: sorted, deletionsFloor };
  const dropped = sorted.slice(0, sorted.length - MAX_KEPT_DELETIONS);
  return { deletions: sorted.slice(dropped.length), deletionsFloor: Math.max(deletionsFloor, dropped.at(-1)!) };
}

/**
 * A member's unread count in a group, exact by construction: the messages counted since their
 * read mark (`tally` now minus the tally at the mark), less those deleted since. Their own
 * messages never count: sending moves the sender's mark past them (message.writer.ts). SYSTEM
 * messages are never in the tally. Deletions come from the group's kept list; when the mark is
 * older than what the list kept, `deletedSince` (a count over messages) is asked instead.
 */
export async function groupUnread(
  group: GroupState,
  read: TallyMark,
  deletedSince: (afterSeq: number) => Promise<number>,
): Promise<number> {
  const counted = group.tally - read.tally;
  if (counted <= 0) return 0;
  const deleted =
    read.seq >= group.deletionsFloor
      ? group.deletions.filter((seq) => seq > read.seq).length
      : await deletedSince(read.seq);
  return Math.max(0, counted - deleted);
}

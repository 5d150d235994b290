import { Schema } from 'mongoose';

export const UserJournalModelName = 'UserJournalEntry';

/**
 * One entry of a user's journal (domain/timeline/user-journal.ts). `_id` =
 * `"<userId>|<seq as 12 digits>"`: a user's entries share a prefix and sort by position, so
 * reading after a position, finding the newest and the unique position itself are all `_id`.
 */
export const userJournalSchema = new Schema(
  {
    _id: { type: String, required: true },
    type: { type: String, required: true },
    conversationId: { type: String, required: true },
    actorId: { type: String, required: true },
    occurredAt: { type: Date, required: true },
    readSeq: { type: Number, default: null },
    messageIds: { type: [String], default: [] },
    userIds: { type: [String], default: [] },
    messageId: { type: String, default: null },
    scheduledMessageId: { type: String, default: null },
    failure: { type: { _id: false, code: String, message: String }, default: null },
  },
  { collection: 'userjournals', versionKey: false, strictQuery: 'throw' },
);

/** Shard key when sharded: `{ _id: 1 }`, ranged, as the inboxes: a user's entries share a prefix. */
export const USER_JOURNAL_SHARD_KEY = { _id: 1 } as const;

export interface UserJournalDocument {
  _id: string;
  type: string;
  conversationId: string;
  actorId: string;
  occurredAt: Date;
  readSeq: number | null;
  messageIds: string[];
  userIds?: string[];
  messageId?: string | null;
  scheduledMessageId?: string | null;
  failure?: { code: string; message: string } | null;
}

const DIGITS = 12;

export const journalIdOf = (userId: string, seq: number) => `${userId}|${String(seq).padStart(DIGITS, '0')}`;
export const seqOfJournalId = (id: string) => Number(id.slice(id.indexOf('|') + 1));

/** The `_id` range of one user's entries, above `afterSeq`. */
export function journalRangeOf(userId: string, afterSeq = 0): { $gt: string; $lt: string } {
  return { $gt: journalIdOf(userId, afterSeq), $lt: `${userId}}` }; // '}' is the character after '|'
}

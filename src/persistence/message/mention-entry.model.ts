import { Schema, type Types } from 'mongoose';

export const MentionEntryModelName = 'MentionEntry';

/**
 * One unread mention: user U is mentioned by the message at position `seq` of conversation C, keyed
 * `U|C|<seq, 12 digits>`. A user's mention counts are one `_id` range (an index every store
 * answers, the patched FerretDB included), where counting over messages read every message of
 * the user's conversations on FerretDB (an array field is not something its indexes can match).
 * Written with the messages, dropped when the message is deleted or (DIRECT) read, and pruned
 * once below the reader's floor (chat-message.repository.ts, countMentions).
 */
export const mentionEntrySchema = new Schema(
  { _id: { type: String, required: true } },
  { collection: 'mentions', versionKey: false, strictQuery: 'throw' },
);

/** Sharded by `_id`, which starts with the user: a user's counts are one shard's range. */
export const MENTION_ENTRY_SHARD_KEY = { _id: 1 } as const;

export interface MentionEntryDocument {
  _id: string;
}

export function mentionKey(userId: string, conversationId: string, seq: number): string {
  return `${userId}|${conversationId}|${String(seq).padStart(12, '0')}`;
}

/** The entries of a stored message: one per mentioned user but its sender. */
export function mentionKeysOf(doc: {
  conversationId: string;
  seq: number;
  senderId: Types.ObjectId;
  mentions?: Types.ObjectId[];
}): string[] {
  return (doc.mentions ?? [])
    .filter((user) => !user.equals(doc.senderId))
    .map((user) => mentionKey(user.toHexString(), doc.conversationId, doc.seq));
}

/** Parses a key; null for anything that is not one. */
export function parseMentionKey(key: string): { conversationId: string; seq: number } | null {
  const [, conversationId, seq] = key.split('|');
  if (conversationId === undefined || seq === undefined) return null;
  return { conversationId, seq: Number(seq) };
}

/** Every key of `userId`'s entries: `U|` up to `U}` ('}' follows '|'). */
export function mentionRangeOf(userId: string): { $gte: string; $lt: string } {
  return { $gte: `${userId}|`, $lt: `${userId}}` };
}

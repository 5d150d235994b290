import { type mongo, Schema } from 'mongoose';
import { insertMissing } from '../insert-missing';

export const InboxEntryModelName = 'InboxEntry';

/**
 * Which conversations a user is in: one entry per (user, conversation), `_id` =
 * `"<userId>|<conversationId>"`, written when someone joins a conversation (its first message or
 * `startChat` for a DIRECT one, a group's creation or `addMembers`) and deleted when they leave,
 * never per message. A user's list, unread count and presence contacts read their entries by the
 * `_id` prefix, then each conversation by `_id`: routed by shard keys end to end, where a query
 * by `participants` had to ask every shard of `conversations`.
 */
export const inboxEntrySchema = new Schema(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    conversationId: { type: String, required: true },
  },
  { collection: 'inboxes', versionKey: false, strictQuery: 'throw' },
);

/**
 * Shard key when sharded: `{ _id: 1 }`, ranged: a user's entries share the prefix `<userId>|`,
 * so reading them is one range on the shard (or two) that owns it. `_id` is the one unique index.
 */
export const INBOX_SHARD_KEY = { _id: 1 } as const;

/** The `_id` range of one user's entries. */
export function inboxRangeOf(userId: string): { $gte: string; $lt: string } {
  return { $gte: `${userId}|`, $lt: `${userId}}` }; // '}' is the character after '|'
}

export interface InboxEntryDocument {
  _id: string;
  userId: string;
  conversationId: string;
}

/** Inserts entries, leaving alone those that exist already (see {@link insertMissing}). */
export function insertInboxEntries(
  collection: mongo.Collection<InboxEntryDocument>,
  entries: readonly InboxEntryDocument[],
): Promise<number> {
  return insertMissing(collection, entries);
}

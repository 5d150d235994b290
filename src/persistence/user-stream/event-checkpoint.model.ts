import { Schema } from 'mongoose';

export const EventCheckpointModelName = 'EventCheckpoint';

/**
 * A user-stream checkpoint (domain/timeline/user-positions.ts): every conversation's position for
 * one reader at one moment. `_id` = `"<userId>|<ObjectId hex>"`, so a user's checkpoints share a
 * prefix (one `_id` range lists them) and a cursor of another user names nothing. Positions are
 * `{ c: conversationId, s: seq, e: eventSeq }`: short, no conversation id as a key (ids are not
 * field names), and no nested arrays (FerretDB v1 refuses them).
 */
export const eventCheckpointSchema = new Schema(
  {
    _id: { type: String, required: true },
    positions: { type: [{ _id: false, c: String, s: Number, e: Number }], required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'eventcheckpoints', versionKey: false, strictQuery: 'throw' },
);

/** Shard key when sharded: `{ _id: 1 }`, ranged, as the inboxes: a user's checkpoints share a prefix. */
export const EVENT_CHECKPOINT_SHARD_KEY = { _id: 1 } as const;

export interface EventCheckpointDocument {
  _id: string;
  positions: Array<{ c: string; s: number; e: number }>;
  createdAt: Date;
}

/** The `_id` range of one user's checkpoints. */
export function checkpointRangeOf(userId: string): { $gte: string; $lt: string } {
  return { $gte: `${userId}|`, $lt: `${userId}}` }; // '}' is the character after '|'
}

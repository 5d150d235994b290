import { Schema } from 'mongoose';

export const MembershipModelName = 'Membership';

const tallyMarkSchema = new Schema(
  { seq: { type: Number, required: true }, tally: { type: Number, required: true } },
  { _id: false },
);

/**
 * One member of one group, `_id` = `"<conversationId>|<userId>"`: read by `_id` everywhere the
 * caller is known (FerretDB v1 answers only `_id` equality without a scan), and by
 * `{ conversationId, joinedSeq }` to page a group's members. `read` leads with `seq`, so `$max`
 * on the whole mark moves it forward only.
 */
export const membershipSchema = new Schema(
  {
    _id: { type: String, required: true },
    conversationId: { type: String, required: true },
    userId: { type: String, required: true },
    joinedAt: { type: Date, required: true },
    joinedSeq: { type: Number, required: true },
    read: { type: tallyMarkSchema, required: true },
    clearedSeq: { type: Number, default: 0 },
    hidden: { type: Boolean, default: false },
  },
  { collection: 'memberships', versionKey: false, strictQuery: 'throw' },
);

/**
 * Shard key when sharded: `{ _id: 1 }`, ranged. `_id` starts with the conversation id, so a
 * group's records sit in one range: a member's own record is found by `_id` (the send path's read
 * mark, lists, access), and a group's records by the range of its prefix (members, receipts), both
 * routed to the shards that own them. `_id` is the one unique index. (Not `{ conversationId: 1 }`:
 * the `_id`-only filters would then ask every shard, and on FerretDB v1 an update filter naming
 * any field besides `_id` scans the collection.)
 */
export const MEMBERSHIP_SHARD_KEY = { _id: 1 } as const;

membershipSchema.index({ conversationId: 1, joinedSeq: 1 });

export interface MembershipDocument {
  _id: string;
  conversationId: string;
  userId: string;
  joinedAt: Date;
  joinedSeq: number;
  read: { seq: number; tally: number };
  clearedSeq: number;
  hidden: boolean;
}

import { Schema, type Types, type InferSchemaType } from 'mongoose';

export const UserModelName = 'User';

/** The main app owns `users`; we only read `name` and `email` (the seed script writes demo users). */
export const userSchema = new Schema(
  {
    name: { type: String },
    email: { type: String },
  },
  { collection: 'users', timestamps: true, strictQuery: 'throw' },
);

/**
 * Shard key when sharded: `{ _id: 'hashed' }` (the main app's choice; we read by `_id`, and the
 * directory's search is the one query without it: scatter-gather, bounded by the indexes below).
 */
export const USER_SHARD_KEY = { _id: 'hashed' } as const;

// The people directory's prefix search (user.repository.ts, searchByPrefix). The only indexes this
// service adds to the main app's collection; non-unique, so they hold on a sharded one too.
userSchema.index({ name: 1 });
userSchema.index({ email: 1 });

export type UserDocument = InferSchemaType<typeof userSchema> & { _id: Types.ObjectId };

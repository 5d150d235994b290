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

/** Shard key when sharded: `{ _id: 'hashed' }` (the main app's choice; we only read by `_id`). */
export const USER_SHARD_KEY = { _id: 'hashed' } as const;

export type UserDocument = InferSchemaType<typeof userSchema> & { _id: Types.ObjectId };

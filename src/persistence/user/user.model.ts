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

export type UserDocument = InferSchemaType<typeof userSchema> & { _id: Types.ObjectId };

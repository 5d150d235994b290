import { Schema, type Types } from 'mongoose';

export const MessageChangeModelName = 'MessageChange';

/**
 * One change to a message (edit, reaction, delete, pin): the conversation's timeline beside its
 * messages (domain/timeline/). `{ conversationId, seq }` is unique: inserting there is the change's
 * commit point, as `(conversationId, seq)` is a message's.
 */
export const messageChangeSchema = new Schema(
  {
    conversationId: { type: String, required: true },
    seq: { type: Number, required: true },
    afterSeq: { type: Number, required: true },
    type: { type: String, required: true },
    actorId: { type: String, required: true },
    occurredAt: { type: Date, required: true },
    messageId: { type: Schema.Types.ObjectId, required: true },
    messageSeq: { type: Number, required: true },
    emoji: { type: String, default: null },
    patch: { type: Schema.Types.Mixed, required: true },
  },
  { collection: 'messagechanges', versionKey: false, strictQuery: 'throw' },
);

/**
 * Shard key when sharded: `{ conversationId: 1 }`, as messages: a conversation's timeline lives
 * on one shard, and the unique index starts with it. Retention deletes by `occurredAt` across all
 * conversations (a background sweep, the one query without the shard key).
 */
export const MESSAGE_CHANGE_SHARD_KEY = { conversationId: 1 } as const;

messageChangeSchema.index({ conversationId: 1, seq: 1 }, { unique: true });
messageChangeSchema.index({ occurredAt: 1 });

export interface MessageChangeDocument {
  _id: Types.ObjectId;
  conversationId: string;
  seq: number;
  afterSeq: number;
  type: string;
  actorId: string;
  occurredAt: Date;
  messageId: Types.ObjectId;
  messageSeq: number;
  emoji: string | null;
  patch: Record<string, unknown>;
}

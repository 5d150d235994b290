import { Schema } from 'mongoose';

export const ScheduledMessageModelName = 'ScheduledMessage';

/** A message to send later (domain/scheduling/): its content as validated, when, and how it went. */
export const scheduledMessageSchema = new Schema(
  {
    _id: { type: Schema.Types.ObjectId, required: true },
    senderId: { type: String, required: true },
    conversationId: { type: String, required: true },
    content: { type: Schema.Types.Mixed, required: true },
    sendAt: { type: Date, required: true },
    status: { type: String, enum: ['PENDING', 'SENT', 'CANCELLED', 'FAILED'], required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    sentMessageId: { type: String, default: null },
    failure: { type: Schema.Types.Mixed, default: null },
    attempts: { type: Number, default: 0 },
  },
  { collection: 'scheduledmessages', versionKey: false, strictQuery: 'throw' },
);

/**
 * Shard key when sharded: `{ senderId: 1 }`: scheduling, cancelling and listing are the sender's
 * own and reach one shard. The sender loop's due query is the one without it (a background job
 * every instance runs, over pending messages only).
 */
export const SCHEDULED_MESSAGE_SHARD_KEY = { senderId: 1 } as const;

scheduledMessageSchema.index({ senderId: 1, status: 1, sendAt: 1 });
scheduledMessageSchema.index({ status: 1, sendAt: 1 });

import { Schema, type Types } from 'mongoose';

export const CarrierEntryModelName = 'CarrierEntry';

/**
 * Which message carries an attachment: `_id` is the attachment's id, so a download's access check
 * finds its message by two `_id` lookups, where a filter on `attachments.id` (a field inside an
 * array) read every message of the conversation on FerretDB. Written after the message, like
 * mention entries; a message stored without one (a failed write) is still found by the old
 * filter (chat-message.repository.ts, findCarrying).
 */
export const carrierEntrySchema = new Schema(
  {
    _id: { type: String, required: true },
    conversationId: { type: String, required: true },
    messageId: { type: Schema.Types.ObjectId, required: true },
  },
  { collection: 'carriers', versionKey: false, strictQuery: 'throw' },
);

/** Sharded by `_id` (the attachment's id): a download's lookup reaches one shard. */
export const CARRIER_ENTRY_SHARD_KEY = { _id: 'hashed' } as const;

export interface CarrierEntryDocument {
  _id: string;
  conversationId: string;
  messageId: Types.ObjectId;
}

/** The entries of stored messages: one per attachment they carry. */
export function carrierEntriesOf(
  docs: ReadonlyArray<{ _id: Types.ObjectId; conversationId: string; attachments?: Array<{ id: Types.ObjectId }> }>,
): CarrierEntryDocument[] {
  return docs.flatMap((doc) =>
    (doc.attachments ?? []).map((attachment) => ({
      _id: attachment.id.toHexString(),
      conversationId: doc.conversationId,
      messageId: doc._id,
    })),
  );
}

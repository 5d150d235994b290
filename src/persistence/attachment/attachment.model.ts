import { Schema } from 'mongoose';

export const AttachmentModelName = 'Attachment';

/** GridFS bucket of the bytes: collections `attachmentfiles.files` and `attachmentfiles.chunks`. */
export const ATTACHMENT_BUCKET = 'attachmentfiles';

/**
 * One uploaded file's record; `_id` is the attachment id and its GridFS file's id. The bytes
 * are in GridFS (MongoDB's own chunked file store: no other server to run, the same on FerretDB
 * and MongoDB).
 */
export const attachmentSchema = new Schema(
  {
    _id: { type: Schema.Types.ObjectId, required: true },
    ownerId: { type: String, required: true },
    fileName: { type: String, required: true },
    contentType: { type: String, required: true },
    size: { type: Number, required: true },
    width: { type: Number, default: null },
    height: { type: Number, default: null },
    createdAt: { type: Date, required: true },
    // Null once a stored message carries it; the sweep deletes it after this otherwise.
    expiresAt: { type: Date, default: null },
    conversationId: { type: String, default: null },
  },
  { collection: 'attachments', versionKey: false, strictQuery: 'throw' },
);

/**
 * Shard key when sharded: `{ _id: 'hashed' }`: uploads, downloads and claims name the attachment
 * by id. The expiry sweep is the one query without it (a background job). GridFS chunks shard
 * on `{ files_id: 1, n: 1 }`, the key MongoDB documents for them.
 */
export const ATTACHMENT_SHARD_KEY = { _id: 'hashed' } as const;

attachmentSchema.index({ expiresAt: 1 });

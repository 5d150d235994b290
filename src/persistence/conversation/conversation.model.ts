import { Schema, type Types } from 'mongoose';

export const ConversationModelName = 'Conversation';

const memberStateSchema = new Schema(
  {
    unreadCount: { type: Number, default: 0 },
    readSeq: { type: Number, default: 0 },
    clearedSeq: { type: Number, default: 0 },
    hidden: { type: Boolean, default: false },
  },
  { _id: false },
);

const previewSchema = new Schema(
  {
    messageId: { type: Schema.Types.ObjectId, required: true },
    seq: { type: Number, required: true },
    senderId: { type: String, required: true },
    message: { type: String, required: true },
    messageType: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { _id: false },
);

/**
 * One document per pair of users, `_id` = `"<smallerId>_<largerId>"`. It is the read model for
 * the conversation list and unread counts (FerretDB cannot aggregate them from messages) and
 * records the last `seq` used; only the holder of the conversation's lease writes it, and `fence`
 * names that lease. Participant ids are hex strings so they can key `members` directly.
 */
export const conversationSchema = new Schema(
  {
    _id: { type: String, required: true },
    participants: { type: [String], required: true },
    lastSeq: { type: Number, default: 0 },
    fence: { type: Number, default: 0 },
    lastMessage: { type: previewSchema, default: null },
    lastMessageTime: { type: Date, default: null },
    lastActivityAt: { type: Date, required: true },
    members: { type: Map, of: memberStateSchema, default: {} },
  },
  { collection: 'conversations', timestamps: true, versionKey: false, strictQuery: 'throw' },
);
/**
 * Shard key when sharded: `{ _id: 'hashed' }`: every write of the send path and every read by id
 * reaches one shard, and `_id` is the only unique index. The per-user list below is the one query
 * without it (scatter-gather over shards) until per-member records sharded by user replace it.
 */
export const CONVERSATION_SHARD_KEY = { _id: 'hashed' } as const;

conversationSchema.index({ participants: 1, lastActivityAt: -1 });

export interface ConversationDocument {
  _id: string;
  participants: string[];
  lastSeq: number;
  fence?: number;
  lastMessage: {
    messageId: Types.ObjectId;
    seq: number;
    senderId: string;
    message: string;
    messageType: string;
    createdAt: Date;
  } | null;
  lastMessageTime: Date | null;
  lastActivityAt?: Date;
  members?: Record<string, { unreadCount?: number; readSeq?: number; clearedSeq?: number; hidden?: boolean }>;
}

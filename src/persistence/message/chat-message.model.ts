import { Schema, type Types } from 'mongoose';
import type { SystemEvent } from '../../domain/message/message.types';
import { STORED_MESSAGE_TYPES } from '../../domain/message/message.types';
import { UserModelName } from '../user/user.model';

export const ChatMessageModelName = 'ChatMessage';

/** The seed's ChatMessage schema and indexes, plus `seq` and `clientMessageId`. */
export const chatMessageSchema = new Schema(
  {
    conversationId: { type: String, required: true, index: true },
    senderId: { type: Schema.Types.ObjectId, ref: UserModelName, required: true },
    // Null in a group, whose messages have no one receiver.
    receiverId: { type: Schema.Types.ObjectId, ref: UserModelName, default: null },
    message: { type: String, required: true },
    messageType: { type: String, enum: STORED_MESSAGE_TYPES, default: 'text' },
    // SYSTEM messages: the membership or title change they record ({ type, actorId, userIds, title, role }).
    systemEvent: { type: Schema.Types.Mixed, default: null },
    // Groups: the unread tally once this message was recorded (domain GroupState.tally).
    tally: { type: Number, default: null },
    attachmentUrl: { type: String, default: null },
    isRead: { type: Boolean, default: false },
    readAt: { type: Date, default: null },
    deletedAt: { type: Date, default: null },
    // Set (true) with deletedAt and only then: an equality an index answers on every store, so
    // counting a conversation's deletions reads its deletions, not its history (see `count`).
    deleted: { type: Boolean, default: undefined },
    seq: { type: Number, required: true },
    // Always set (generated when the client sends none): FerretDB has no partial indexes, so a
    // unique index over an optional field would collide on the missing values.
    clientMessageId: { type: String, required: true },
    // What a message gains, each only where set (a plain message's document is as before).
    replyToId: { type: Schema.Types.ObjectId, default: undefined },
    mentions: { type: [Schema.Types.ObjectId], default: undefined },
    eventSeq: { type: Number, default: undefined },
    editedAt: { type: Date, default: undefined },
    edits: { type: [{ _id: false, message: String, editedAt: Date }], default: undefined },
    reactions: { type: [{ _id: false, emoji: String, userIds: [String] }], default: undefined },
    pinnedAt: { type: Date, default: undefined },
    pinnedBy: { type: String, default: undefined },
    changeSeq: { type: Number, default: undefined },
    attachments: {
      type: [
        {
          _id: false,
          id: Schema.Types.ObjectId,
          fileName: String,
          contentType: String,
          size: Number,
          width: Number,
          height: Number,
        },
      ],
      default: undefined,
    },
  },
  { collection: 'chatmessages', timestamps: true, versionKey: false, strictQuery: 'throw' },
);

/**
 * Shard key when sharded: `{ conversationId: 1 }`. A conversation's messages then live on one
 * shard, so the send path, history, resume and unread counts each reach one shard, and both unique
 * indexes below start with it, as a sharded collection requires for them to hold. (A single
 * conversation larger than a chunk cannot be split; see README, "Scaling".)
 */
export const CHAT_MESSAGE_SHARD_KEY = { conversationId: 1 } as const;

chatMessageSchema.index({ conversationId: 1, createdAt: -1 });
chatMessageSchema.index({ senderId: 1, receiverId: 1 });
chatMessageSchema.index({ receiverId: 1, isRead: 1 });
chatMessageSchema.index({ conversationId: 1, seq: 1 }, { unique: true });
// History totals and group unread counts: a conversation's deleted messages in a seq range.
chatMessageSchema.index({ conversationId: 1, deleted: 1, seq: 1 });
// replies(messageId) and replyCount.
chatMessageSchema.index({ conversationId: 1, replyToId: 1, seq: 1 });
// Downloads: the message of a conversation that carries an attachment (its access check).
chatMessageSchema.index({ conversationId: 1, 'attachments.id': 1 });
// The idempotency key is unique per sender within a conversation (a retry names the same
// conversation). It replaced `{ senderId, clientMessageId }`, which a collection sharded by
// conversation cannot keep unique; see RETIRED_INDEXES.
chatMessageSchema.index({ conversationId: 1, senderId: 1, clientMessageId: 1 }, { unique: true });

/**
 * Indexes older versions created and this one drops at start-up, once the schema's indexes (which
 * replace them) exist, so the guarantee holds throughout: both are enforced in between.
 */
export const RETIRED_CHAT_MESSAGE_INDEXES = [
  'senderId_1_clientMessageId_1',
  // Mention counts read mention entries now (mention-entry.model.ts).
  'conversationId_1_mentions_1_seq_1',
] as const;

export interface ChatMessageDocument {
  _id: Types.ObjectId;
  conversationId: string;
  senderId: Types.ObjectId;
  receiverId: Types.ObjectId | null;
  message: string;
  systemEvent?: SystemEvent | null;
  tally?: number | null;
  messageType: string;
  attachmentUrl: string | null;
  isRead: boolean;
  readAt: Date | null;
  deletedAt: Date | null;
  deleted?: true;
  seq: number;
  clientMessageId: string;
  createdAt: Date;
  updatedAt: Date;
  replyToId?: Types.ObjectId | null;
  mentions?: Types.ObjectId[];
  eventSeq?: number;
  editedAt?: Date | null;
  edits?: Array<{ message: string; editedAt: Date }>;
  reactions?: Array<{ emoji: string; userIds: string[] }>;
  pinnedAt?: Date | null;
  pinnedBy?: string | null;
  changeSeq?: number;
  attachments?: Array<{
    id: Types.ObjectId;
    fileName: string;
    contentType: string;
    size: number;
    width: number | null;
    height: number | null;
  }>;
}

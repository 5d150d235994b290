import { Schema, type Types } from 'mongoose';
import { MESSAGE_TYPES } from '../../domain/message/message.types';
import { UserModelName } from '../user/user.model';

export const ChatMessageModelName = 'ChatMessage';

/** The seed's ChatMessage schema and indexes, plus `seq` and `clientMessageId`. */
export const chatMessageSchema = new Schema(
  {
    conversationId: { type: String, required: true, index: true },
    senderId: { type: Schema.Types.ObjectId, ref: UserModelName, required: true },
    receiverId: { type: Schema.Types.ObjectId, ref: UserModelName, required: true },
    message: { type: String, required: true },
    messageType: { type: String, enum: MESSAGE_TYPES, default: 'text' },
    attachmentUrl: { type: String, default: null },
    isRead: { type: Boolean, default: false },
    readAt: { type: Date, default: null },
    deletedAt: { type: Date, default: null },
    seq: { type: Number, required: true },
    // Always set (generated when the client sends none): FerretDB has no partial indexes, so a
    // unique index over an optional field would collide on the missing values.
    clientMessageId: { type: String, required: true },
  },
  { collection: 'chatmessages', timestamps: true, versionKey: false, strictQuery: 'throw' },
);

chatMessageSchema.index({ conversationId: 1, createdAt: -1 });
chatMessageSchema.index({ senderId: 1, receiverId: 1 });
chatMessageSchema.index({ receiverId: 1, isRead: 1 });
chatMessageSchema.index({ conversationId: 1, seq: 1 }, { unique: true });
chatMessageSchema.index({ senderId: 1, clientMessageId: 1 }, { unique: true });

export interface ChatMessageDocument {
  _id: Types.ObjectId;
  conversationId: string;
  senderId: Types.ObjectId;
  receiverId: Types.ObjectId;
  message: string;
  messageType: string;
  attachmentUrl: string | null;
  isRead: boolean;
  readAt: Date | null;
  deletedAt: Date | null;
  seq: number;
  clientMessageId: string;
  createdAt: Date;
  updatedAt: Date;
}

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

const pinSchema = new Schema(
  {
    messageId: { type: Schema.Types.ObjectId, required: true },
    seq: { type: Number, required: true },
    pinnedAt: { type: Date, required: true },
    pinnedBy: { type: String, required: true },
  },
  { _id: false },
);

const groupSchema = new Schema(
  {
    title: { type: String, required: true },
    createdBy: { type: String, required: true },
    roles: { type: Map, of: String, default: {} },
    memberVersion: { type: Number, required: true },
    tally: { type: Number, required: true },
    deletions: { type: [Number], default: [] },
    deletionsFloor: { type: Number, default: 0 },
  },
  { _id: false },
);

const stateSchema = new Schema(
  {
    fence: { type: Number, required: true },
    version: { type: Number, required: true },
    lastSeq: { type: Number, required: true },
    lastActivityAt: { type: Date, required: true },
    lastMessage: { type: previewSchema, default: null },
    lastMessageTime: { type: Date, default: null },
    members: { type: Map, of: memberStateSchema, default: {} },
    group: { type: groupSchema, default: null },
    // Absent on documents from before the event timeline: no events, no pins.
    eventSeq: { type: Number, default: 0 },
    pins: { type: [pinSchema], default: [] },
    // DIRECT only; absent on documents from before blocking: nobody blocks.
    blockedBy: { type: [String], default: [] },
  },
  { _id: false },
);

/**
 * One document per pair of users, `_id` = `"<smallerId>_<largerId>"`, or per group, `"g_<hex>"`
 * (`participants` then lists its members in join order, and `state.group` its roster). It is the read model for
 * the conversation list and unread counts (FerretDB cannot aggregate them from messages) and
 * records the last `seq` used. Participant ids are hex strings so they can key `members` directly.
 *
 * Everything a write changes sits in `state`, which `fence` and `version` lead: only the holder of
 * the conversation's lease writes it, always as `$max` of the whole of `state` with a filter on
 * `_id` alone, so a holder that stalled past its lease (lower fence) cannot overwrite its
 * successor, and FerretDB finds the document by its primary key (an update filter naming any
 * other field makes it scan the collection; README, "The send path").
 */
export const conversationSchema = new Schema(
  {
    _id: { type: String, required: true },
    /** Absent on documents from before groups: those are DIRECT. */
    kind: { type: String, enum: ['DIRECT', 'GROUP'], default: 'DIRECT' },
    participants: { type: [String], required: true },
    state: { type: stateSchema, required: true },
  },
  { collection: 'conversations', versionKey: false, strictQuery: 'throw' },
);
/**
 * Shard key when sharded: `{ _id: 'hashed' }`: every write of the send path and every read by id
 * reaches one shard, and `_id` is the only unique index. A user's conversations are found through
 * their inbox entries (conversation-inbox.model.ts), then by `_id`: no query asks every shard.
 */
export const CONVERSATION_SHARD_KEY = { _id: 'hashed' } as const;

/**
 * Indexes of earlier layouts, dropped at start-up once the current ones exist. The per-user list
 * by `participants` (with its two layouts' indexes) gave way to inbox entries.
 */
export const RETIRED_CONVERSATION_INDEXES = [
  'participants_1_lastActivityAt_-1',
  'participants_1_state.lastActivityAt_-1',
] as const;

interface StoredMemberState {
  unreadCount?: number;
  readSeq?: number;
  clearedSeq?: number;
  hidden?: boolean;
}

export interface StoredGroupState {
  title: string;
  createdBy: string;
  roles: Record<string, 'OWNER' | 'ADMIN'>;
  memberVersion: number;
  tally: number;
  deletions: number[];
  deletionsFloor: number;
}

export interface ConversationDocument {
  _id: string;
  kind?: 'DIRECT' | 'GROUP';
  participants: string[];
  state: {
    fence: number;
    version: number;
    lastSeq: number;
    lastActivityAt: Date;
    lastMessage: {
      messageId: Types.ObjectId;
      seq: number;
      senderId: string;
      message: string;
      messageType: string;
      createdAt: Date;
    } | null;
    lastMessageTime: Date | null;
    members: Record<string, StoredMemberState>;
    group?: StoredGroupState | null;
    eventSeq?: number;
    pins?: Array<{ messageId: Types.ObjectId; seq: number; pinnedAt: Date; pinnedBy: string }>;
    blockedBy?: string[];
  };
}

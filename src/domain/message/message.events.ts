import type { User } from '../user/user.types';
import type { ChatMessage, LiveMessage } from './message.types';

type DateFields = 'readAt' | 'deletedAt' | 'createdAt' | 'updatedAt' | 'editedAt' | 'edits' | 'pinnedAt';

/**
 * Earlier versions travel only this many at a time: a message edited a hundred times would
 * otherwise put all its versions in every event about it (up to 400 KB). With more, `edits` is
 * empty and `editsOmitted` set, and a subscriber that asks for them gets them from the database.
 * @default 5
 */
const MAX_LIVE_EDITS = 5;

/** A message as it travels through Redis: JSON-safe, dates as ISO strings. */
export type MessagePayload = Omit<ChatMessage, DateFields> & {
  readonly readAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly editedAt: string | null;
  readonly edits: ReadonlyArray<{ readonly message: string; readonly editedAt: string }>;
  /** The message has more earlier versions than travel live (see MAX_LIVE_EDITS). */
  readonly editsOmitted?: boolean;
  readonly pinnedAt: string | null;
  /** Set only on a changed message that was deleted (a new message never is). */
  readonly deletedAt?: string | null;
  /** Sender's and receiver's profiles at publish time (see {@link LiveMessage}). */
  readonly people?: { readonly sender: User | null; readonly receiver: User | null };
  /** Groups: see {@link LiveMessage.memberVersion}. */
  readonly memberVersion?: number;
};

const iso = (date: Date | null) => date?.toISOString() ?? null;
const date = (value: string | null | undefined) => (value == null ? null : new Date(value));

export function toMessagePayload(
  message: ChatMessage,
  people?: LiveMessage['people'],
  memberVersion?: number,
): MessagePayload {
  return {
    ...(people ? { people } : {}),
    ...(memberVersion !== undefined ? { memberVersion } : {}),
    ...(message.deletedAt ? { deletedAt: message.deletedAt.toISOString() } : {}),
    id: message.id,
    conversationId: message.conversationId,
    seq: message.seq,
    senderId: message.senderId,
    receiverId: message.receiverId,
    message: message.message,
    messageType: message.messageType,
    attachmentUrl: message.attachmentUrl,
    clientMessageId: message.clientMessageId,
    systemEvent: message.systemEvent,
    tally: message.tally,
    isRead: message.isRead,
    readAt: iso(message.readAt),
    createdAt: message.createdAt.toISOString(),
    updatedAt: message.updatedAt.toISOString(),
    replyToId: message.replyToId,
    mentions: message.mentions,
    eventSeq: message.eventSeq,
    editedAt: iso(message.editedAt),
    edits:
      message.edits.length > MAX_LIVE_EDITS
        ? []
        : message.edits.map((edit) => ({ message: edit.message, editedAt: edit.editedAt.toISOString() })),
    ...(message.edits.length > MAX_LIVE_EDITS ? { editsOmitted: true } : {}),
    reactions: message.reactions,
    pinnedAt: iso(message.pinnedAt),
    pinnedBy: message.pinnedBy,
    changeSeq: message.changeSeq,
    attachments: message.attachments,
  };
}

/** Messages already rebuilt from a payload object (see {@link fromMessagePayload}). */
const rebuilt = new WeakMap<MessagePayload, LiveMessage>();

/**
 * The message a payload stands for. Every subscriber of one Redis topic on a process receives the
 * same payload object, so it is rebuilt once for all of them (a group message for 500 members was
 * rebuilt 500 times); the message is read-only from here on.
 */
export function fromMessagePayload(payload: MessagePayload): LiveMessage {
  let message = rebuilt.get(payload);
  if (!message) {
    message = rebuild(payload);
    rebuilt.set(payload, message);
  }
  return message;
}

function rebuild(payload: MessagePayload): LiveMessage {
  return {
    ...payload,
    readAt: date(payload.readAt),
    deletedAt: date(payload.deletedAt),
    createdAt: new Date(payload.createdAt),
    updatedAt: new Date(payload.updatedAt),
    // Payloads published by an instance from before the timeline lack these.
    replyToId: payload.replyToId ?? null,
    mentions: payload.mentions ?? [],
    eventSeq: payload.eventSeq ?? 0,
    editedAt: date(payload.editedAt),
    edits: (payload.edits ?? []).map((edit) => ({ message: edit.message, editedAt: new Date(edit.editedAt) })),
    reactions: payload.reactions ?? [],
    pinnedAt: date(payload.pinnedAt),
    pinnedBy: payload.pinnedBy ?? null,
    changeSeq: payload.changeSeq ?? 0,
    attachments: payload.attachments ?? [],
  };
}

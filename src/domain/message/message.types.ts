import type { ConversationId, UserId } from '../ids';
import type { MessageAttachment } from '../attachment/attachment.types';
import type { User } from '../user/user.types';

/**
 * Stored lower-case, as in the seed's schema and REST responses; GraphQL exposes TEXT/IMAGE/FILE,
 * and SYSTEM for the membership and title changes a group records (never sent by a client).
 */
export type MessageType = 'text' | 'image' | 'file' | 'system';
/** What a client may send. */
export const MESSAGE_TYPES: readonly MessageType[] = ['text', 'image', 'file'];
export const STORED_MESSAGE_TYPES: readonly MessageType[] = [...MESSAGE_TYPES, 'system'];

export type SystemEventType =
  'CREATED' | 'MEMBERS_ADDED' | 'MEMBER_REMOVED' | 'MEMBER_LEFT' | 'UPDATED' | 'ROLE_CHANGED';

/** What a SYSTEM message records; replaying these in seq order rebuilds a group's roster. */
export interface SystemEvent {
  readonly type: SystemEventType;
  readonly actorId: UserId;
  /** Who joined, was removed, left, or had their role changed. */
  readonly userIds: readonly UserId[];
  /** The title after CREATED or UPDATED. */
  readonly title: string | null;
  /** The role given by ROLE_CHANGED. */
  readonly role: 'OWNER' | 'ADMIN' | 'MEMBER' | null;
}

/** An earlier version of an edited message. */
export interface MessageEdit {
  readonly message: string;
  /** When this version was replaced. */
  readonly editedAt: Date;
}

/** One emoji on a message and who put it there, in the order they did. */
export interface Reaction {
  readonly emoji: string;
  readonly userIds: readonly UserId[];
}

/** A stored chat message as the domain sees it (no mongoose types). */
export interface ChatMessage {
  readonly id: string;
  readonly conversationId: ConversationId;
  /** Position in its conversation: 1, 2, 3 ... (gaps possible, never reordered). */
  readonly seq: number;
  readonly senderId: UserId;
  /** The other person in a DIRECT conversation; null in a group. */
  readonly receiverId: UserId | null;
  readonly message: string;
  readonly messageType: MessageType;
  readonly attachmentUrl: string | null;
  readonly clientMessageId: string;
  /** SYSTEM messages only. */
  readonly systemEvent: SystemEvent | null;
  /**
   * Groups only: the conversation's unread tally once this message was recorded (see
   * GroupState.tally), so a read position at this message knows its tally without a count.
   */
  readonly tally: number | null;
  /** DIRECT: the receiver read it. Groups track read positions per member instead (always false). */
  readonly isRead: boolean;
  readonly readAt: Date | null;
  readonly deletedAt: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** The message of the same conversation this one quotes. */
  readonly replyToId: string | null;
  /** Members this message mentions (validated at send: members only). */
  readonly mentions: readonly UserId[];
  /**
   * The conversation's event position when this message was stored (timeline/): with `seq`, where
   * the message stands among the conversation's edits, reactions and pins.
   */
  readonly eventSeq: number;
  readonly editedAt: Date | null;
  /** Earlier versions, oldest first. */
  readonly edits: readonly MessageEdit[];
  readonly reactions: readonly Reaction[];
  readonly pinnedAt: Date | null;
  readonly pinnedBy: UserId | null;
  /** The last conversation event applied to this message (0: none); guards late writers. */
  readonly changeSeq: number;
  /** Uploaded files it carries (attachment/), in the order sent. */
  readonly attachments: readonly MessageAttachment[];
}

/**
 * A message delivered live. `people` are its sender's and receiver's profiles as the writer read
 * them when it published (null: no such user), so delivering to many subscribers queries no
 * users; absent on events that lack them.
 */
export interface LiveMessage extends ChatMessage {
  readonly people?: { readonly sender: User | null; readonly receiver: User | null };
  /** Groups: the roster version the message was sent under (GroupState.memberVersion). */
  readonly memberVersion?: number;
  /** Its earlier versions did not travel with it (too many): `edits` is empty, read them from the store. */
  readonly editsOmitted?: boolean;
}

/** What a sender asks for; validated into {@link OutgoingMessage}. Exactly one of targetUserId and conversationId. */
export interface SendMessageRequest {
  readonly targetUserId?: unknown;
  readonly conversationId?: unknown;
  readonly message: unknown;
  readonly messageType?: unknown;
  readonly attachmentUrl?: unknown;
  readonly clientMessageId?: unknown;
  readonly replyToId?: unknown;
  readonly mentionedUserIds?: unknown;
  readonly attachmentIds?: unknown;
}

export interface OutgoingMessage {
  /** Null in a group. */
  readonly receiverId: UserId | null;
  readonly message: string;
  readonly messageType: MessageType;
  readonly attachmentUrl: string | null;
  /** Given by the client for idempotent retries, or generated when absent. */
  readonly clientMessageId: string;
  readonly systemEvent: SystemEvent | null;
  /** Checked before the send is queued: a message of the same conversation the sender can see. */
  readonly replyToId: string | null;
  /** Checked under the lease against the members as they are then. */
  readonly mentions: readonly UserId[];
  /** Uploads of the sender's, claimed for this conversation before the send is queued. */
  readonly attachments: readonly MessageAttachment[];
}

import type { ConversationId, UserId } from '../ids';
import type { MessagePatch } from '../message/message.repository';
import type { ChatMessage, SystemEventType } from '../message/message.types';

/** What happened to a message after it was sent; each is stored as a {@link MessageChange}. */
export type MessageChangeType =
  'MESSAGE_EDITED' | 'MESSAGE_DELETED' | 'REACTION_ADDED' | 'REACTION_REMOVED' | 'MESSAGE_PINNED' | 'MESSAGE_UNPINNED';

/** Every kind of event in a conversation's timeline (DESIGN.md, "After a message is sent"). */
export type ConversationEventType =
  | 'MESSAGE_CREATED'
  | MessageChangeType
  | 'CONVERSATION_CREATED'
  | 'MEMBERS_ADDED'
  | 'MEMBER_REMOVED'
  | 'MEMBER_LEFT'
  | 'CONVERSATION_UPDATED'
  | 'ROLE_CHANGED';

/** A SYSTEM message's change, as a timeline event type. */
export const SYSTEM_EVENT_TYPES: Readonly<Record<SystemEventType, ConversationEventType>> = {
  CREATED: 'CONVERSATION_CREATED',
  MEMBERS_ADDED: 'MEMBERS_ADDED',
  MEMBER_REMOVED: 'MEMBER_REMOVED',
  MEMBER_LEFT: 'MEMBER_LEFT',
  UPDATED: 'CONVERSATION_UPDATED',
  ROLE_CHANGED: 'ROLE_CHANGED',
};

/**
 * One stored change to a message: the commit point of an edit, reaction, delete or pin. `seq` is
 * its position among the conversation's changes (1, 2, 3 ..., unique per conversation, handed out
 * under the conversation's lease); `afterSeq` is the conversation's last message `seq` when it
 * happened, which places it among the messages. `patch` is what it set on the message, in
 * absolute values, so a writer that finds a change its predecessor stored but did not finish can
 * apply it again.
 */
export interface MessageChange {
  readonly conversationId: ConversationId;
  readonly seq: number;
  readonly afterSeq: number;
  readonly type: MessageChangeType;
  readonly actorId: UserId;
  readonly occurredAt: Date;
  readonly messageId: string;
  /** The changed message's own `seq` (members who joined after it do not see its changes). */
  readonly messageSeq: number;
  readonly emoji: string | null;
  readonly patch: MessagePatch;
}

/**
 * A place in a conversation's timeline: everything up to message `seq` and change `eventSeq`.
 * Messages and changes each have positions of their own, so "after this cursor" is every message
 * above one and every change above the other: a change a stalled writer stored late is still
 * found, never skipped.
 */
export interface TimelinePosition {
  readonly seq: number;
  readonly eventSeq: number;
}

/** One entry of the timeline as members see it: a message sent, or a change to one. */
export interface ConversationEvent {
  readonly position: TimelinePosition;
  readonly conversationId: ConversationId;
  readonly type: ConversationEventType;
  readonly actorId: UserId;
  readonly occurredAt: Date;
  readonly messageId: string;
  /** The message as it now is (a deleted one as its stub); null when it cannot be read. */
  readonly message: ChatMessage | null;
  readonly emoji: string | null;
  /** Membership events: who joined, left, was removed or had their role changed. */
  readonly userIds: readonly UserId[];
}

/** Storage of message changes; implemented with mongoose in persistence/. */
export interface MessageChangeRepository {
  /** Stores the change; false when its position is taken (another writer stored one there first). */
  insert(change: MessageChange): Promise<boolean>;
  /** Changes with `seq > afterEventSeq`, oldest first. */
  after(conversationId: ConversationId, afterEventSeq: number, limit: number): Promise<MessageChange[]>;
  /** Deletes changes older than `before` (retention); returns how many. */
  pruneBefore(before: Date): Promise<number>;
}

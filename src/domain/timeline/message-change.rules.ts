import { ChatError } from '../errors';
import type { UserId } from '../ids';
import { MAX_EDITS_PER_MESSAGE, MAX_EMOJI_LENGTH, MAX_PINS_PER_CONVERSATION } from '../limits';
import type { MemberRole } from '../conversation/conversation.types';
import type { MessagePatch } from '../message/message.repository';
import { validateMessageText } from '../message/message.rules';
import type { ChatMessage, Reaction } from '../message/message.types';
import type { MessageChangeType } from './timeline.types';

/** What a request does to a message, once judged: a change to store, or nothing (already so). */
export type ChangeDecision = {
  readonly type: MessageChangeType;
  readonly emoji: string | null;
  readonly patch: MessagePatch;
} | null;

const SHORT_CODE = /^:[a-z0-9_+-]{1,40}:$/;
/** A pictograph, a flag's regional indicators, or a keycap. */
const EMOJI = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20E3/u;
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * One emoji (a single grapheme that is a pictograph, flag or keycap, with its modifiers and
 * joiners) or a `:short_code:` of lower-case letters, digits, `_`, `+` and `-`. Anything else,
 * text, two emoji, markup, is refused: clients render reactions as they are.
 */
export function parseEmoji(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_EMOJI_LENGTH) {
    throw ChatError.badInput('emoji must be one emoji or a :short_code:', 'emoji');
  }
  if (SHORT_CODE.test(value)) return value;
  const parts = [...graphemes.segment(value)];
  if (parts.length !== 1 || !EMOJI.test(value)) {
    throw ChatError.badInput('emoji must be one emoji or a :short_code:', 'emoji');
  }
  return value;
}

function refuseGone(message: ChatMessage): void {
  if (message.deletedAt !== null) throw new ChatError('CONFLICT', 'This message was deleted');
  if (message.messageType === 'system') throw ChatError.badInput('System messages cannot be changed', 'messageId');
}

/** The sender's new text for their message: validated like a send; the same text changes nothing. */
export function decideEdit(message: ChatMessage, actorId: UserId, text: unknown, now: Date): ChangeDecision {
  if (message.senderId !== actorId) throw ChatError.forbidden('Only the sender can edit a message');
  refuseGone(message);
  const validated = validateMessageText(text);
  if (validated === message.message) return null;
  if (message.edits.length >= MAX_EDITS_PER_MESSAGE) {
    throw ChatError.badInput(`A message can be edited at most ${MAX_EDITS_PER_MESSAGE} times`, 'message');
  }
  return {
    type: 'MESSAGE_EDITED',
    emoji: null,
    patch: {
      message: validated,
      editedAt: now,
      appendEdit: { message: message.message, editedAt: now },
    },
  };
}

/** `reactions` with `userId` added to `emoji` (a new emoji goes last). */
function withReaction(reactions: readonly Reaction[], emoji: string, userId: UserId): Reaction[] {
  const existing = reactions.find((reaction) => reaction.emoji === emoji);
  if (!existing) return [...reactions, { emoji, userIds: [userId] }];
  return reactions.map((reaction) =>
    reaction.emoji === emoji ? { emoji, userIds: [...reaction.userIds, userId] } : reaction,
  );
}

/** Adds the reaction; nothing when the user already gave that emoji (idempotent). */
export function decideAddReaction(
  message: ChatMessage,
  actorId: UserId,
  emoji: string,
  maxDistinct: number,
): ChangeDecision {
  refuseGone(message);
  const existing = message.reactions.find((reaction) => reaction.emoji === emoji);
  if (existing?.userIds.includes(actorId)) return null;
  if (!existing && message.reactions.length >= maxDistinct) {
    throw ChatError.badInput(`A message can carry at most ${maxDistinct} different reactions`, 'emoji');
  }
  return { type: 'REACTION_ADDED', emoji, patch: { reactions: withReaction(message.reactions, emoji, actorId) } };
}

/** Removes the user's reaction; nothing when they had not given it (idempotent). */
export function decideRemoveReaction(message: ChatMessage, actorId: UserId, emoji: string): ChangeDecision {
  refuseGone(message);
  const existing = message.reactions.find((reaction) => reaction.emoji === emoji);
  if (!existing?.userIds.includes(actorId)) return null;
  const reactions = message.reactions
    .map((reaction) =>
      reaction.emoji === emoji ? { emoji, userIds: reaction.userIds.filter((id) => id !== actorId) } : reaction,
    )
    .filter((reaction) => reaction.userIds.length > 0);
  return { type: 'REACTION_REMOVED', emoji, patch: { reactions } };
}

/** Who may pin: any member of a DIRECT conversation; in a group the owner and admins, unless configured otherwise. */
function refuseUnlessMayPin(role: MemberRole, isGroup: boolean, adminsOnly: boolean): void {
  if (isGroup && adminsOnly && role === 'MEMBER') {
    throw ChatError.forbidden('Only the owner and admins can pin or unpin messages in this group');
  }
}

export function decidePin(
  message: ChatMessage,
  actorId: UserId,
  role: MemberRole,
  options: { isGroup: boolean; adminsOnly: boolean; pinned: number; now: Date },
): ChangeDecision {
  refuseUnlessMayPin(role, options.isGroup, options.adminsOnly);
  refuseGone(message);
  if (message.pinnedAt !== null) return null;
  if (options.pinned >= MAX_PINS_PER_CONVERSATION) {
    throw new ChatError(
      'CONFLICT',
      `A conversation can have at most ${MAX_PINS_PER_CONVERSATION} pinned messages; unpin one first`,
    );
  }
  return { type: 'MESSAGE_PINNED', emoji: null, patch: { pinnedAt: options.now, pinnedBy: actorId } };
}

export function decideUnpin(
  message: ChatMessage,
  role: MemberRole,
  options: { isGroup: boolean; adminsOnly: boolean },
): ChangeDecision {
  refuseUnlessMayPin(role, options.isGroup, options.adminsOnly);
  if (message.pinnedAt === null) return null;
  return { type: 'MESSAGE_UNPINNED', emoji: null, patch: { pinnedAt: null, pinnedBy: null } };
}

/** The sender's own message, soft-deleted (and unpinned); nothing when it is gone already. */
export function decideDelete(message: ChatMessage, actorId: UserId, now: Date): ChangeDecision {
  if (message.senderId !== actorId || message.messageType === 'system')
    throw ChatError.forbidden('Only the sender can delete a message');
  if (message.deletedAt !== null) return null;
  return {
    type: 'MESSAGE_DELETED',
    emoji: null,
    patch: { deletedAt: now, ...(message.pinnedAt ? { pinnedAt: null, pinnedBy: null } : {}) },
  };
}

/** The message as a patch leaves it (what the stored document becomes). */
export function patched(message: ChatMessage, patch: MessagePatch, changeSeq: number): ChatMessage {
  return {
    ...message,
    ...(patch.message !== undefined ? { message: patch.message } : {}),
    ...(patch.editedAt !== undefined ? { editedAt: patch.editedAt } : {}),
    ...(patch.appendEdit ? { edits: [...message.edits, patch.appendEdit] } : {}),
    ...(patch.reactions !== undefined ? { reactions: patch.reactions } : {}),
    ...(patch.pinnedAt !== undefined ? { pinnedAt: patch.pinnedAt } : {}),
    ...(patch.pinnedBy !== undefined ? { pinnedBy: patch.pinnedBy } : {}),
    ...(patch.deletedAt !== undefined ? { deletedAt: patch.deletedAt } : {}),
    changeSeq,
    updatedAt: new Date(),
  };
}

import { randomBytes } from 'node:crypto';
import { ChatError } from './errors';

/** A user id: the 24-hex-digit ObjectId string the main app issues. */
export type UserId = string & { readonly __brand: 'UserId' };
/** `"<smallerId>_<largerId>"` for a pair (the seed's id), `"g_<24 hex>"` for a group. */
export type ConversationId = string & { readonly __brand: 'ConversationId' };

const OBJECT_ID = /^[0-9a-f]{24}$/;

/** A lower-case 24-hex-digit ObjectId string (users and messages both have them). */
export function isObjectIdHex(value: unknown): value is string {
  return typeof value === 'string' && OBJECT_ID.test(value);
}

/**
 * A new id in ObjectId form for records this service creates (uploads, scheduled messages): the
 * time in seconds first, so ids sort by creation, then 8 random bytes.
 */
export function newObjectIdHex(now = new Date()): string {
  return (
    Math.floor(now.getTime() / 1000)
      .toString(16)
      .padStart(8, '0') + randomBytes(8).toString('hex')
  );
}

export function isUserId(value: unknown): value is UserId {
  return isObjectIdHex(value);
}

/** A message id from a client; BAD_USER_INPUT naming `field` when malformed. */
export function parseMessageId(value: unknown, field: string): string {
  const normalized = typeof value === 'string' ? value.trim().toLowerCase() : value;
  if (!isObjectIdHex(normalized))
    throw ChatError.badInput(`${field} must be a 24-character hexadecimal message id`, field);
  return normalized;
}

/** Accepts upper-case hex too (ids are case-insensitive) and returns the canonical lower-case form. */
export function parseUserId(value: unknown, field: string): UserId {
  const normalized = typeof value === 'string' ? value.trim().toLowerCase() : value;
  if (!isUserId(normalized)) {
    throw ChatError.badInput(`${field} must be a 24-character hexadecimal user id`, field);
  }
  return normalized;
}

/** Same id for both directions of a pair, as the seed builds it. */
export function conversationIdFor(a: UserId, b: UserId): ConversationId {
  return (a < b ? `${a}_${b}` : `${b}_${a}`) as ConversationId;
}

export function parseConversationId(
  value: unknown,
  field: string,
): { id: ConversationId; participants: [UserId, UserId] } {
  const parts = typeof value === 'string' ? value.trim().toLowerCase().split('_') : [];
  const [first, second] = parts;
  if (parts.length !== 2 || !isUserId(first) || !isUserId(second) || first >= second) {
    throw ChatError.badInput(`${field} must look like "<smallerUserId>_<largerUserId>"`, field);
  }
  return { id: `${first}_${second}` as ConversationId, participants: [first, second] };
}

export function otherParticipant(conversationId: ConversationId, me: UserId): UserId {
  const [first, second] = conversationId.split('_') as [UserId, UserId];
  return first === me ? second : first;
}

const GROUP_ID = /^g_[0-9a-f]{24}$/;

/**
 * A group's id: `"g_"` and 24 hex digits, so it can never be mistaken for a user id (REST routes
 * take either in one path segment) or for a pair's `"<a>_<b>"`.
 */
export function isGroupConversationId(value: unknown): value is ConversationId {
  return typeof value === 'string' && GROUP_ID.test(value);
}

export function groupConversationId(hex24: string): ConversationId {
  const id = `g_${hex24}`;
  if (!isGroupConversationId(id)) throw new Error(`Not a group id: ${id}`);
  return id as ConversationId;
}

/** Which conversation a client named: a pair (with its two users) or a group. */
export type ConversationRef =
  | { readonly kind: 'DIRECT'; readonly id: ConversationId; readonly participants: [UserId, UserId] }
  | { readonly kind: 'GROUP'; readonly id: ConversationId };

export function parseConversationRef(value: unknown, field: string): ConversationRef {
  const normalized = typeof value === 'string' ? value.trim().toLowerCase() : value;
  if (isGroupConversationId(normalized)) return { kind: 'GROUP', id: normalized };
  if (typeof normalized !== 'string' || normalized.startsWith('g_')) {
    throw ChatError.badInput(`${field} must be "<smallerUserId>_<largerUserId>" or a group id "g_<24 hex>"`, field);
  }
  return { kind: 'DIRECT', ...parseConversationId(normalized, field) };
}

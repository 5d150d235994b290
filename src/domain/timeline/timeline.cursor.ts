import { ChatError } from '../errors';
import type { ConversationId } from '../ids';
import type { TimelinePosition } from './timeline.types';

const PREFIX = 'ev1';

/**
 * Event cursors are opaque to clients: base64url of `ev1:<conversationId>:<seq>:<eventSeq>`. The
 * conversation is named so a cursor from another one is refused rather than silently applied.
 */
export function encodeEventCursor(conversationId: ConversationId, position: TimelinePosition): string {
  return Buffer.from(`${PREFIX}:${conversationId}:${position.seq}:${position.eventSeq}`, 'utf8').toString('base64url');
}

/** The position an event cursor names; BAD_USER_INPUT when malformed or from another conversation. */
export function decodeEventCursor(cursor: unknown, conversationId: ConversationId, field: string): TimelinePosition {
  const text =
    typeof cursor === 'string' && cursor.length <= 200 ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const match = /^ev1:([0-9a-f]{24}_[0-9a-f]{24}|g_[0-9a-f]{24}):(\d{1,15}):(\d{1,15})$/.exec(text);
  if (!match)
    throw ChatError.badInput(`${field} is not an event cursor (take one from eventCursor or an event)`, field);
  if (match[1] !== conversationId) throw ChatError.badInput(`${field} belongs to another conversation`, field);
  return { seq: Number(match[2]), eventSeq: Number(match[3]) };
}

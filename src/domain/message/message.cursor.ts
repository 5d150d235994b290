import { ChatError } from '../errors';
import type { ConversationId } from '../ids';

/**
 * Cursors are opaque to clients: base64url of `<conversationId>:<seq>`. Carrying the conversation
 * lets us refuse a cursor from another conversation instead of silently paging the wrong one.
 */
export function encodeCursor(conversationId: ConversationId, seq: number): string {
  return Buffer.from(`${conversationId}:${seq}`, 'utf8').toString('base64url');
}

/** Returns the `seq` a cursor points at; BAD_USER_INPUT when malformed or from another conversation. */
export function decodeCursor(cursor: string, conversationId: ConversationId, field: string): number {
  const decoded = cursor.length <= 200 ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const match = /^([0-9a-f]{24}_[0-9a-f]{24}|g_[0-9a-f]{24}):(\d{1,15})$/.exec(decoded);
  if (!match) throw ChatError.badInput(`${field} is not a valid cursor`, field);
  if (match[1] !== conversationId) throw ChatError.badInput(`${field} belongs to another conversation`, field);
  return Number(match[2]);
}

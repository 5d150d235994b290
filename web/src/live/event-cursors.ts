/**
 * Per conversation, where this client stands in its event stream (conversationEvents): set from
 * the conversation list's `eventCursor` when first seen, then moved by every event applied. On
 * reconnect, resume asks for what came after it.
 */
const cursors = new Map<string, string>();

export const eventCursors = {
  get: (conversationId: string): string | undefined => cursors.get(conversationId),
  /** Where a conversation starts when this client first loads it (never moves a cursor back). */
  startAt(conversationId: string, cursor: string): void {
    if (!cursors.has(conversationId)) cursors.set(conversationId, cursor);
  },
  applied(conversationId: string, cursor: string): void {
    cursors.set(conversationId, cursor);
  },
  /** After RESYNC_REQUIRED: start again from the conversation's current cursor. */
  reset(conversationId: string, cursor: string): void {
    cursors.set(conversationId, cursor);
  },
};

import { ChatError } from '../errors';
import type { ConversationId } from '../ids';
import type { TimelinePosition } from './timeline.types';

const PREFIX = 'ue1';
/** A conversation id, or the journal's key (user-events.types.ts, JOURNAL_KEY). */
const CONVERSATION = /^(?:[0-9a-f]{24}_[0-9a-f]{24}|g_[0-9a-f]{24}|journal)$/;
const CHECKPOINT = /^[0-9a-f]{24}$/;
/** Longest cursor accepted: a checkpoint id and MAX_CURSOR_CONVERSATIONS entries, with room. */
const MAX_CURSOR_LENGTH = 2_000;

/**
 * A place in a user's stream: a stored checkpoint (every conversation's position when it was
 * written), and the conversations that moved since. At most this many ride in the cursor itself;
 * one more and the stream writes a new checkpoint (user-positions.ts). @default 8
 */
export const MAX_CURSOR_CONVERSATIONS = 8;

export interface UserCursor {
  readonly checkpointId: string;
  readonly moved: ReadonlyMap<ConversationId, TimelinePosition>;
}

/**
 * Opaque to clients: base64url of `ue1|<checkpoint>|<conversation>.<seq>.<eventSeq>,…`. The
 * checkpoint is stored under its user, so another user's cursor names nothing (BAD_USER_INPUT).
 */
export function encodeUserCursor(cursor: UserCursor): string {
  const moved = [...cursor.moved].map(([id, position]) => `${id}.${position.seq}.${position.eventSeq}`).join(',');
  return Buffer.from(`${PREFIX}|${cursor.checkpointId}|${moved}`, 'utf8').toString('base64url');
}

export function decodeUserCursor(value: unknown, field: string): UserCursor {
  const invalid = () =>
    ChatError.badInput(`${field} is not a userEvents cursor (take one from me.eventCursor or an event)`, field);
  if (typeof value !== 'string' || value.length > MAX_CURSOR_LENGTH) throw invalid();
  const [prefix, checkpointId, moved, ...rest] = Buffer.from(value, 'base64url').toString('utf8').split('|');
  if (prefix !== PREFIX || rest.length > 0 || !checkpointId || !CHECKPOINT.test(checkpointId) || moved === undefined)
    throw invalid();
  const positions = new Map<ConversationId, TimelinePosition>();
  for (const entry of moved === '' ? [] : moved.split(',')) {
    const [id, seq, eventSeq, ...extra] = entry.split('.');
    if (
      extra.length > 0 ||
      !id ||
      !CONVERSATION.test(id) ||
      !/^\d{1,15}$/.test(seq ?? '') ||
      !/^\d{1,15}$/.test(eventSeq ?? '')
    )
      throw invalid();
    positions.set(id as ConversationId, { seq: Number(seq), eventSeq: Number(eventSeq) });
  }
  if (positions.size > MAX_CURSOR_CONVERSATIONS) throw invalid();
  return { checkpointId, moved: positions };
}

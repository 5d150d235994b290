import type { ConversationId, UserId } from '../../src/domain/ids';
import {
  decideAddReaction,
  decideEdit,
  decidePin,
  decideRemoveReaction,
  parseEmoji,
} from '../../src/domain/timeline/message-change.rules';
import { decodeEventCursor, encodeEventCursor } from '../../src/domain/timeline/timeline.cursor';
import type { ChatMessage } from '../../src/domain/message/message.types';
import { FRESH_MESSAGE_FIELDS, inMemoryDomain } from '../fakes/in-memory-ports';

const [ann, ben] = ['a', 'b'].map((letter) => letter.repeat(24) as UserId) as [UserId, UserId];

function message(overrides: Partial<ChatMessage> = {}): ChatMessage {
  return {
    ...FRESH_MESSAGE_FIELDS,
    id: 'm'.repeat(24),
    conversationId: `${ann}_${ben}` as ConversationId,
    seq: 1,
    senderId: ann,
    receiverId: ben,
    message: 'hello',
    messageType: 'text',
    attachmentUrl: null,
    clientMessageId: 'k',
    systemEvent: null,
    tally: null,
    isRead: false,
    readAt: null,
    deletedAt: null,
    createdAt: new Date(0),
    updatedAt: new Date(0),
    ...overrides,
  };
}

const codeOf = (run: () => unknown) => {
  try {
    run();
    return 'OK';
  } catch (error) {
    return (error as { code?: string }).code ?? 'THROWN';
  }
};

describe('message change rules', () => {
  it('takes one emoji (with modifiers, flags, keycaps, joiners) or a :short_code:, nothing else', () => {
    for (const good of ['👍', '👍🏽', '🇫🇷', '1️⃣', '👨‍👩‍👧', '❤️', ':tada:', ':+1:']) expect(parseEmoji(good)).toBe(good);
    for (const bad of ['', 'a', '👍👍', ':Tada:', '::', ':a b:', '<img>', 42, null, { $ne: 1 }]) {
      expect({ bad, code: codeOf(() => parseEmoji(bad)) }).toEqual({ bad, code: 'BAD_USER_INPUT' });
    }
  });

  it('lets only the sender edit, a live message, with new text, keeping the replaced version', () => {
    const now = new Date(5);
    expect(codeOf(() => decideEdit(message(), ben, 'x', now))).toBe('FORBIDDEN');
    expect(codeOf(() => decideEdit(message({ deletedAt: now }), ann, 'x', now))).toBe('CONFLICT');
    expect(codeOf(() => decideEdit(message({ messageType: 'system' }), ann, 'x', now))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => decideEdit(message(), ann, ' ', now))).toBe('BAD_USER_INPUT');
    expect(decideEdit(message(), ann, 'hello', now)).toBeNull();
    expect(decideEdit(message(), ann, 'hi', now)).toEqual({
      type: 'MESSAGE_EDITED',
      emoji: null,
      patch: { message: 'hi', editedAt: now, appendEdit: { message: 'hello', editedAt: now } },
    });
  });

  it('adds and removes reactions idempotently, with a cap on distinct emoji', () => {
    const reacted = message({ reactions: [{ emoji: '👍', userIds: [ann] }] });
    expect(decideAddReaction(reacted, ann, '👍', 2)).toBeNull();
    expect(decideAddReaction(reacted, ben, '👍', 1)?.patch.reactions).toEqual([{ emoji: '👍', userIds: [ann, ben] }]);
    expect(codeOf(() => decideAddReaction(reacted, ben, '🎉', 1))).toBe('BAD_USER_INPUT');
    expect(decideRemoveReaction(reacted, ben, '👍')).toBeNull();
    expect(decideRemoveReaction(reacted, ann, '👍')?.patch.reactions).toEqual([]);
  });

  it('pins by role in groups and up to the cap', () => {
    const now = new Date(1);
    const options = { isGroup: true, adminsOnly: true, pinned: 0, now };
    expect(codeOf(() => decidePin(message(), ben, 'MEMBER', options))).toBe('FORBIDDEN');
    expect(decidePin(message(), ben, 'MEMBER', { ...options, adminsOnly: false })?.type).toBe('MESSAGE_PINNED');
    expect(codeOf(() => decidePin(message(), ann, 'ADMIN', { ...options, pinned: 50 }))).toBe('CONFLICT');
    expect(decidePin(message({ pinnedAt: now }), ann, 'OWNER', options)).toBeNull();
  });

  it('round-trips event cursors and refuses one of another conversation', () => {
    const id = `${ann}_${ben}` as ConversationId;
    const cursor = encodeEventCursor(id, { seq: 7, eventSeq: 3 });
    expect(decodeEventCursor(cursor, id, 'after')).toEqual({ seq: 7, eventSeq: 3 });
    expect(codeOf(() => decodeEventCursor(cursor, `g_${'0'.repeat(24)}` as ConversationId, 'after'))).toBe(
      'BAD_USER_INPUT',
    );
    expect(codeOf(() => decodeEventCursor('x', id, 'after'))).toBe('BAD_USER_INPUT');
  });
});

describe('a change a writer stored and never finished', () => {
  it('is applied once, recorded and published by the next writer, which then takes the next position', async () => {
    const domain = inMemoryDomain();
    const [a, b] = ['Ann', 'Ben'].map((name) => domain.users.add(name)) as [UserId, UserId];
    const sent = await domain.services.messages.send(a, { targetUserId: b, message: 'hi' });
    const { conversationId } = sent;
    // A writer stored "Ben reacted 🎉" at position 1 and died before applying or recording it.
    domain.changes.stored.push({
      conversationId,
      seq: 1,
      afterSeq: sent.seq,
      type: 'REACTION_ADDED',
      actorId: b,
      occurredAt: new Date(),
      messageId: sent.id,
      messageSeq: sent.seq,
      emoji: '🎉',
      patch: { reactions: [{ emoji: '🎉', userIds: [b] }] },
    });
    const after = await domain.services.changes.addReaction(a, sent.id, '👍');
    expect(after.reactions).toEqual([
      { emoji: '🎉', userIds: [b] },
      { emoji: '👍', userIds: [a] },
    ]);
    expect(domain.changes.stored.map((change) => [change.seq, change.emoji])).toEqual([
      [1, '🎉'],
      [2, '👍'],
    ]);
    expect((await domain.conversations.findById(conversationId))?.eventSeq).toBe(2);
    // Published too: the leftover (its first publish may never have happened), then the new one.
    expect(domain.broker.ofKind('MESSAGE_CHANGED').map((event) => `${event.change.seq} ${event.change.emoji}`)).toEqual(
      ['1 🎉', '2 👍'],
    );
    // The timeline lists both, once each.
    const page = await domain.services.timeline.page(b, conversationId, null, 10);
    expect(page.events.map((event) => event.type)).toEqual(['MESSAGE_CREATED', 'REACTION_ADDED', 'REACTION_ADDED']);
  });
});

import { ChatError } from '../../src/domain/errors';
import { conversationIdFor, parseConversationId, parseUserId, type UserId } from '../../src/domain/ids';
import { decodeCursor, encodeCursor } from '../../src/domain/message/message.cursor';
import { MAX_MESSAGE_LENGTH } from '../../src/domain/limits';
import { clampPage, validateOutgoingMessage } from '../../src/domain/message/message.rules';

const alice = 'aaaaaaaaaaaaaaaaaaaaaaaa' as UserId;
const bob = '0123456789abcdef01234567' as UserId;

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return error instanceof ChatError ? `${error.code}:${String(error.details['field'])}` : 'not a ChatError';
  }
  return undefined;
}

describe('ids', () => {
  it('builds the same conversation id from both sides, smaller id first', () => {
    expect(conversationIdFor(alice, bob)).toBe(`${bob}_${alice}`);
    expect(conversationIdFor(bob, alice)).toBe(`${bob}_${alice}`);
  });

  it('normalises user ids to lower case and refuses anything else', () => {
    expect(parseUserId(alice.toUpperCase(), 'id')).toBe(alice);
    for (const bad of ['', 'abc', `${alice}0`, { $ne: 'x' }, 42, null]) {
      expect(codeOf(() => parseUserId(bad, 'targetUserId'))).toBe('BAD_USER_INPUT:targetUserId');
    }
  });

  it('parses a conversation id only in canonical order', () => {
    expect(parseConversationId(`${bob}_${alice}`, 'c').participants).toEqual([bob, alice]);
    expect(codeOf(() => parseConversationId(`${alice}_${bob}`, 'c'))).toBe('BAD_USER_INPUT:c');
  });
});

describe('validateOutgoingMessage', () => {
  it('accepts a text message and generates a clientMessageId when none is given', () => {
    const message = validateOutgoingMessage(alice, { targetUserId: bob, message: ' hi ' });
    expect(message).toMatchObject({ receiverId: bob, message: ' hi ', messageType: 'text', attachmentUrl: null });
    expect(message.clientMessageId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each([
    [{ targetUserId: alice, message: 'me' }, 'BAD_USER_INPUT:targetUserId'],
    [{ targetUserId: 'x', message: 'hi' }, 'BAD_USER_INPUT:targetUserId'],
    [{ targetUserId: bob, message: '   \n ' }, 'BAD_USER_INPUT:message'],
    [{ targetUserId: bob, message: 42 }, 'BAD_USER_INPUT:message'],
    [{ targetUserId: bob, message: 'x'.repeat(MAX_MESSAGE_LENGTH + 1) }, 'BAD_USER_INPUT:message'],
    [{ targetUserId: bob, message: 'hi', messageType: 'VIDEO' }, 'BAD_USER_INPUT:messageType'],
    [{ targetUserId: bob, message: 'pic', messageType: 'IMAGE' }, 'BAD_USER_INPUT:attachmentUrl'],
    [
      { targetUserId: bob, message: 'f', messageType: 'file', attachmentUrl: 'javascript:alert(1)' },
      'BAD_USER_INPUT:attachmentUrl',
    ],
    [
      { targetUserId: bob, message: 'f', messageType: 'file', attachmentUrl: 'not a url' },
      'BAD_USER_INPUT:attachmentUrl',
    ],
    [{ targetUserId: bob, message: 'hi', clientMessageId: '' }, 'BAD_USER_INPUT:clientMessageId'],
    [{ targetUserId: bob, message: 'hi', clientMessageId: { $gt: '' } }, 'BAD_USER_INPUT:clientMessageId'],
    [{ targetUserId: bob, message: 'hi', clientMessageId: 'x'.repeat(129) }, 'BAD_USER_INPUT:clientMessageId'],
  ])('refuses %p', (request, expected) => {
    expect(codeOf(() => validateOutgoingMessage(alice, request))).toBe(expected);
  });

  it('counts length in UTF-16 code units, as the browser does: 2,000 emoji fit, 2,001 do not', () => {
    const emoji = (count: number) => ({ targetUserId: bob, message: '😀'.repeat(count) });
    expect(() => validateOutgoingMessage(alice, emoji(MAX_MESSAGE_LENGTH / 2))).not.toThrow();
    expect(codeOf(() => validateOutgoingMessage(alice, emoji(MAX_MESSAGE_LENGTH / 2 + 1)))).toBe(
      'BAD_USER_INPUT:message',
    );
  });

  it('accepts an image with an https URL', () => {
    const message = validateOutgoingMessage(alice, {
      targetUserId: bob,
      message: 'look',
      messageType: 'IMAGE',
      attachmentUrl: 'https://cdn.example.test/a.png',
    });
    expect(message).toMatchObject({ messageType: 'image', attachmentUrl: 'https://cdn.example.test/a.png' });
  });
});

describe('clampPage', () => {
  it('defaults to 50 per page, page 1, and clamps limits to 1..100', () => {
    expect(clampPage(undefined, undefined)).toEqual({ limit: 50, page: 1 });
    expect(clampPage(0, 1)).toEqual({ limit: 1, page: 1 });
    expect(clampPage(1000, 3)).toEqual({ limit: 100, page: 3 });
  });

  it('refuses non-integers and pages below 1', () => {
    expect(codeOf(() => clampPage('ten', 1))).toBe('BAD_USER_INPUT:limit');
    expect(codeOf(() => clampPage(10, 0))).toBe('BAD_USER_INPUT:page');
    expect(codeOf(() => clampPage(10, 1.5))).toBe('BAD_USER_INPUT:page');
  });
});

describe('cursors', () => {
  const conversation = conversationIdFor(alice, bob);

  it('round-trips a seq', () => {
    expect(decodeCursor(encodeCursor(conversation, 42), conversation, 'after')).toBe(42);
  });

  it('refuses garbage and cursors of another conversation', () => {
    const other = conversationIdFor(alice, 'bbbbbbbbbbbbbbbbbbbbbbbb' as UserId);
    expect(codeOf(() => decodeCursor('%%%', conversation, 'after'))).toBe('BAD_USER_INPUT:after');
    expect(codeOf(() => decodeCursor(encodeCursor(other, 1), conversation, 'after'))).toBe('BAD_USER_INPUT:after');
  });
});

import { randomUUID } from 'node:crypto';
import { attachmentPath, isImage } from '../attachment/attachment.rules';
import type { MessageAttachment } from '../attachment/attachment.types';
import { ChatError } from '../errors';
import { parseMessageId, parseUserId, type UserId } from '../ids';
import {
  DEFAULT_PAGE_SIZE,
  MAX_ATTACHMENT_URL_LENGTH,
  MAX_CLIENT_MESSAGE_ID_LENGTH,
  MAX_MENTIONS_PER_MESSAGE,
  MAX_MESSAGE_LENGTH,
  MAX_PAGE_SIZE,
} from '../limits';
import {
  MESSAGE_TYPES,
  type ChatMessage,
  type MessageType,
  type OutgoingMessage,
  type SendMessageRequest,
} from './message.types';

const CLIENT_MESSAGE_ID = /^[A-Za-z0-9._:-]+$/;

function parseMessageType(value: unknown, uploads: readonly MessageAttachment[]): MessageType {
  if (value === undefined || value === null) {
    if (uploads.length === 0) return 'text';
    return uploads.every((upload) => isImage(upload.contentType)) ? 'image' : 'file';
  }
  const normalized = typeof value === 'string' ? value.toLowerCase() : value;
  if (!MESSAGE_TYPES.includes(normalized as MessageType)) {
    throw ChatError.badInput('messageType must be one of TEXT, IMAGE, FILE', 'messageType');
  }
  return normalized as MessageType;
}

function parseAttachmentUrl(value: unknown, type: MessageType, uploads: readonly MessageAttachment[]): string | null {
  if (value === undefined || value === null || value === '') {
    // Old clients read an IMAGE or FILE message's file from attachmentUrl: the first upload's path.
    if (uploads.length > 0) return attachmentPath(uploads[0]!.id);
    if (type !== 'text')
      throw ChatError.badInput(`attachmentUrl is required for ${type.toUpperCase()} messages`, 'attachmentUrl');
    return null;
  }
  if (typeof value !== 'string' || value.length > MAX_ATTACHMENT_URL_LENGTH) {
    throw ChatError.badInput(
      `attachmentUrl must be a URL of at most ${MAX_ATTACHMENT_URL_LENGTH} characters`,
      'attachmentUrl',
    );
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw ChatError.badInput('attachmentUrl must be an absolute http(s) URL', 'attachmentUrl');
  }
  // javascript:, data: and file: URLs would be rendered by clients; only web links are safe to pass on.
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw ChatError.badInput('attachmentUrl must use http or https', 'attachmentUrl');
  }
  return url.toString();
}

function parseClientMessageId(value: unknown): string {
  if (value === undefined || value === null) return randomUUID();
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    value.length > MAX_CLIENT_MESSAGE_ID_LENGTH ||
    !CLIENT_MESSAGE_ID.test(value)
  ) {
    throw ChatError.badInput(
      `clientMessageId must be 1-${MAX_CLIENT_MESSAGE_ID_LENGTH} characters of letters, digits, '.', '_', ':' or '-'`,
      'clientMessageId',
    );
  }
  return value;
}

/** Distinct user ids, at most MAX_MENTIONS_PER_MESSAGE; whether they are members is judged under the lease. */
function parseMentions(value: unknown): UserId[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value))
    throw ChatError.badInput('mentionedUserIds must be a list of user ids', 'mentionedUserIds');
  if (value.length > MAX_MENTIONS_PER_MESSAGE) {
    throw ChatError.badInput(`A message can mention at most ${MAX_MENTIONS_PER_MESSAGE} users`, 'mentionedUserIds');
  }
  return [...new Set(value.map((id) => parseUserId(id, 'mentionedUserIds')))];
}

/** Validates a send request from `sender`; throws BAD_USER_INPUT naming the field at fault. */
export function validateOutgoingMessage(
  sender: UserId,
  request: SendMessageRequest,
  uploads: readonly MessageAttachment[] = [],
): OutgoingMessage {
  const receiverId = parseUserId(request.targetUserId, 'targetUserId');
  if (receiverId === sender) throw ChatError.badInput('You cannot send a message to yourself', 'targetUserId');
  return { receiverId, ...validateMessageContent(request, uploads) };
}

/**
 * A message's text, at a send or an edit: a non-blank string of at most MAX_MESSAGE_LENGTH UTF-16
 * code units (what `maxLength` and `String.length` count in the browser), kept as sent.
 */
export function validateMessageText(value: unknown): string {
  if (typeof value !== 'string') throw ChatError.badInput('message must be a string', 'message');
  if (value.trim().length === 0) throw ChatError.badInput('message must not be empty', 'message');
  if (value.length > MAX_MESSAGE_LENGTH) {
    throw ChatError.badInput(`message must be at most ${MAX_MESSAGE_LENGTH} characters`, 'message');
  }
  return value;
}

/**
 * The content of a send (text, type, attachment, idempotency key), whoever it goes to. With
 * `uploads` (the attachments it carries, already claimed) the text may be empty (a caption is
 * optional) and the type defaults to IMAGE when all are images, else FILE.
 */
export function validateMessageContent(
  request: SendMessageRequest,
  uploads: readonly MessageAttachment[] = [],
): Omit<OutgoingMessage, 'receiverId'> {
  const captionless = request.message == null || (typeof request.message === 'string' && request.message.trim() === '');
  const message = uploads.length > 0 && captionless ? '' : validateMessageText(request.message);
  const messageType = parseMessageType(request.messageType, uploads);
  return {
    message,
    messageType,
    attachmentUrl: parseAttachmentUrl(request.attachmentUrl, messageType, uploads),
    attachments: uploads,
    clientMessageId: parseClientMessageId(request.clientMessageId),
    systemEvent: null,
    replyToId: request.replyToId == null ? null : parseMessageId(request.replyToId, 'replyToId'),
    mentions: parseMentions(request.mentionedUserIds),
  };
}

/** How a deleted message reads in the timeline and as a quote: who sent it and when, nothing of what it said. */
export function stubOf(message: ChatMessage): ChatMessage {
  if (message.deletedAt === null) return message;
  return {
    ...message,
    message: '',
    attachmentUrl: null,
    edits: [],
    reactions: [],
    mentions: [],
    replyToId: null,
    attachments: [],
  };
}

/** A page size: integer or BAD_USER_INPUT naming `field`; clamped to 1..100, 50 when absent. */
export function clampLimit(value: unknown, field: string): number {
  const size = value === undefined || value === null ? DEFAULT_PAGE_SIZE : Number(value);
  if (!Number.isInteger(size)) throw ChatError.badInput(`${field} must be an integer`, field);
  return Math.min(MAX_PAGE_SIZE, Math.max(1, size));
}

/** Parses a 1-based page request; non-integers are a BAD_USER_INPUT, sizes are clamped to 1..100. */
export function clampPage(limit: unknown, page: unknown): { limit: number; page: number } {
  const parsedPage = page === undefined || page === null ? 1 : Number(page);
  const parsedLimit = clampLimit(limit, 'limit');
  if (!Number.isInteger(parsedPage) || parsedPage < 1) throw ChatError.badInput('page must be an integer >= 1', 'page');
  return { limit: parsedLimit, page: parsedPage };
}

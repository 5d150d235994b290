import { imageSize } from 'image-size';
import { filetypeinfo } from 'magic-bytes.js';
import { ChatError } from '../errors';
import { isObjectIdHex } from '../ids';
import { MAX_ATTACHMENT_NAME_LENGTH, MAX_ATTACHMENTS_PER_MESSAGE } from '../limits';

/** Bytes of an upload kept to sniff its type and read an image's dimensions. */
export const SNIFF_BYTES = 64 * 1024;

/** The only content types an upload keeps, sniffed from its bytes; everything else is a download. */
const KEPT_TYPES = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'application/pdf',
  'application/zip',
  'audio/mpeg',
  'audio/ogg',
  'audio/wav',
  'video/mp4',
  'video/webm',
  'text/plain',
]);
/** Shown in the page (`Content-Disposition: inline`); the rest is always a download. */
const INLINE_TYPES = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'audio/mpeg',
  'audio/ogg',
  'video/mp4',
  'video/webm',
]);
const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
export const OPAQUE_TYPE = 'application/octet-stream';

/** Text a browser could run as a page or script, even served as text/plain to a careless client. */
const MARKUP = /<\s*(?:!doctype|html|head|body|script|svg|iframe|object|embed|\?xml|a\s|img\s|meta|style|link)/i;

/**
 * The content type of an upload, from its first bytes only (the client's claim is never asked):
 * a known magic number from {@link KEPT_TYPES}, or text/plain for UTF-8 text without markup, else
 * application/octet-stream. So HTML, SVG, scripts and executables are all stored as opaque bytes.
 */
export function sniffContentType(head: Uint8Array): string {
  const known = filetypeinfo(head).map((info) => info.mime);
  const kept = known.find((mime): mime is string => mime !== undefined && KEPT_TYPES.has(mime));
  if (kept) return kept;
  if (known.length > 0) return OPAQUE_TYPE;
  return looksLikePlainText(head) ? 'text/plain' : OPAQUE_TYPE;
}

function looksLikePlainText(head: Uint8Array): boolean {
  if (head.length === 0 || head.includes(0)) return false;
  let text: string;
  try {
    // A multi-byte character cut at the end of the sniffed bytes is not a reason to refuse.
    text = new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, lastWholeCharacter(head)));
  } catch {
    return false;
  }
  return !MARKUP.test(text);
}

/** Length of `bytes` without a trailing, incomplete UTF-8 sequence. */
function lastWholeCharacter(bytes: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back += 1) {
    const byte = bytes[bytes.length - back]!;
    if ((byte & 0xc0) !== 0x80) {
      const width = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
      return width > back ? bytes.length - back : bytes.length;
    }
  }
  return bytes.length;
}

export function isImage(contentType: string): boolean {
  return IMAGE_TYPES.has(contentType);
}

export function servedInline(contentType: string): boolean {
  return INLINE_TYPES.has(contentType);
}

/** An image's width and height from its first bytes; nulls when they are not there (or it is no image). */
export function imageDimensions(
  contentType: string,
  head: Uint8Array,
): { width: number | null; height: number | null } {
  if (!isImage(contentType)) return { width: null, height: null };
  try {
    const { width, height } = imageSize(head);
    return { width: width ?? null, height: height ?? null };
  } catch {
    return { width: null, height: null };
  }
}

/**
 * A file name safe to store and to put in a header: the last path segment, without control
 * characters or characters that are special to file systems and shells, at most
 * MAX_ATTACHMENT_NAME_LENGTH characters; "file" when nothing is left.
 */
export function sanitizeFileName(name: unknown): string {
  const raw = typeof name === 'string' ? name : '';
  const base = raw.split(/[\\/]/).pop() ?? '';
  const cleaned = base
    .normalize('NFC')
    .replace(/[\p{Cc}\p{Cf}<>:"|?*]/gu, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '');
  const clipped = [...cleaned].slice(0, MAX_ATTACHMENT_NAME_LENGTH).join('').trim();
  return clipped.length > 0 ? clipped : 'file';
}

/** `attachmentIds` of a send: distinct ids, at most MAX_ATTACHMENTS_PER_MESSAGE. */
export function parseAttachmentIds(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value))
    throw ChatError.badInput('attachmentIds must be a list of attachment ids', 'attachmentIds');
  if (value.length > MAX_ATTACHMENTS_PER_MESSAGE) {
    throw ChatError.badInput(`A message carries at most ${MAX_ATTACHMENTS_PER_MESSAGE} attachments`, 'attachmentIds');
  }
  const ids = value.map((id: unknown) => parseAttachmentId(id, 'attachmentIds'));
  return [...new Set(ids)];
}

/** An attachment id (24 hex characters). */
export function parseAttachmentId(value: unknown, field: string): string {
  const normalized = typeof value === 'string' ? value.trim().toLowerCase() : '';
  if (!isObjectIdHex(normalized)) throw ChatError.badInput(`${field} must hold 24-character hexadecimal ids`, field);
  return normalized;
}

/** An upload over ATTACHMENT_MAX_BYTES: 413, whether the client said so up front or the bytes did. */
export function attachmentTooLarge(maxBytes: number): ChatError {
  return new ChatError('PAYLOAD_TOO_LARGE', `Attachments are at most ${maxBytes} bytes`, { maxBytes });
}

/** Where an attachment is downloaded, relative to the API service. */
export function attachmentPath(id: string): string {
  return `/api/chat/attachments/${id}`;
}

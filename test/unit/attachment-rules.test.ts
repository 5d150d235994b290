import {
  imageDimensions,
  parseAttachmentIds,
  sanitizeFileName,
  servedInline,
  sniffContentType,
} from '../../src/domain/attachment/attachment.rules';
import { ChatError } from '../../src/domain/errors';
import { png } from '../helpers/uploads';

describe('attachment rules', () => {
  it('keeps only the last path segment of a file name, without control or reserved characters', () => {
    expect(sanitizeFileName('C:\\Users\\me\\report.pdf')).toBe('report.pdf');
    expect(sanitizeFileName('../../etc/passwd')).toBe('passwd');
    expect(sanitizeFileName('a\u0000b\u0007c\u202e.txt')).toBe('abc.txt'); // NUL, bell, right-to-left override
    expect(sanitizeFileName('<script>"x".html')).toBe('scriptx.html');
    expect(sanitizeFileName('...hidden')).toBe('hidden');
    expect(sanitizeFileName('  spaced \t out  .png')).toBe('spaced out .png');
    expect(sanitizeFileName('')).toBe('file');
    expect(sanitizeFileName('/')).toBe('file');
    expect(sanitizeFileName(undefined)).toBe('file');
    expect([...sanitizeFileName('é'.repeat(500))]).toHaveLength(200);
  });

  it('types a file from its bytes: known safe types kept, text without markup is text/plain, the rest opaque', () => {
    expect(sniffContentType(png(1, 1))).toBe('image/png');
    expect(sniffContentType(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0]))).toBe(
      'image/jpeg',
    );
    expect(sniffContentType(Buffer.from('GIF89a\x01\x00\x01\x00'))).toBe('image/gif');
    expect(sniffContentType(Buffer.from('%PDF-1.7\n'))).toBe('application/pdf');
    expect(sniffContentType(Buffer.from('hello, world\n'))).toBe('text/plain');
    // A multi-byte character cut by the sniffing window is still text.
    expect(sniffContentType(Buffer.from('ok ü').subarray(0, 4))).toBe('text/plain');
    for (const opaque of [
      Buffer.from('<!doctype html><p>hi'),
      Buffer.from('  <HTML><body>'),
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'),
      Buffer.from('<?xml version="1.0"?><x/>'),
      Buffer.from('notes <script>alert(1)</script>'),
      Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03]), // Windows executable
      Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02]), // ELF
      Buffer.from([0xc3, 0x28, 0x41, 0x42]), // not UTF-8
      Buffer.from('a\u0000b'),
      Buffer.alloc(0),
    ]) {
      expect([opaque.toString('latin1'), sniffContentType(opaque)]).toEqual([
        opaque.toString('latin1'),
        'application/octet-stream',
      ]);
    }
  });

  it('shows images and media inline and makes everything else a download', () => {
    expect(servedInline('image/png')).toBe(true);
    expect(servedInline('video/mp4')).toBe(true);
    for (const type of ['application/pdf', 'text/plain', 'application/octet-stream', 'image/svg+xml', 'text/html'])
      expect([type, servedInline(type)]).toEqual([type, false]);
  });

  it('reads an image’s size from its first bytes', () => {
    expect(imageDimensions('image/png', png(640, 480))).toEqual({ width: 640, height: 480 });
    expect(imageDimensions('application/pdf', Buffer.from('%PDF'))).toEqual({ width: null, height: null });
    expect(imageDimensions('image/png', Buffer.from('not a png'))).toEqual({ width: null, height: null });
  });

  it('takes at most 10 distinct, well-formed attachment ids', () => {
    const id = (n: number) => n.toString(16).padStart(24, '0');
    expect(parseAttachmentIds(undefined)).toEqual([]);
    expect(parseAttachmentIds([id(1), id(1).toUpperCase(), id(2)])).toEqual([id(1), id(2)]);
    for (const bad of ['x', [id(1), 'nope'], [{ $gt: '' }], Array.from({ length: 11 }, (_, n) => id(n))]) {
      expect(() => parseAttachmentIds(bad)).toThrow(ChatError);
    }
  });
});

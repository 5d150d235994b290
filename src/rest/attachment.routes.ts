import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import contentDisposition from 'content-disposition';
import type { Request, Response, Router } from 'express';
import { attachmentTooLarge, servedInline } from '../domain/attachment/attachment.rules';
import type { StoredAttachment } from '../domain/attachment/attachment.types';
import { ChatError } from '../domain/errors';
import type { Services } from '../domain/services';
import type { Logger } from '../logging/logger';
import { caller } from './chat.routes';
import { presentAttachment } from './rest.presenters';

/** Room a multipart body takes around its file (boundaries, part headers, a few small fields). */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;
/** How long a client may cache a download it was allowed (access is checked again after). */
const DOWNLOAD_MAX_AGE_SECONDS = 3600;

/**
 * `POST /api/chat/attachments` (multipart/form-data, the file in field `file`) and
 * `GET /api/chat/attachments/:attachmentId`. The upload streams into storage through busboy as
 * it arrives, never whole in memory; the download streams back with Range, ETag and caching.
 */
export function mountAttachmentRoutes(router: Router, services: Services, maxBytes: number, logger: Logger): void {
  router.post('/attachments', async (request, response) => {
    const { userId } = caller(response);
    if (!/^multipart\/form-data/i.test(request.headers['content-type'] ?? '')) {
      throw ChatError.badInput('Send multipart/form-data with the file in a field named "file"', 'file');
    }
    const declared = Number(request.headers['content-length']);
    try {
      // Refused before a byte is read when the client says up front that it is too large.
      if (Number.isFinite(declared) && declared > maxBytes + MULTIPART_OVERHEAD_BYTES)
        throw attachmentTooLarge(maxBytes);
      const attachment = await receiveFile(request, maxBytes, (fileName, file) =>
        services.attachments.upload(userId, fileName, file),
      );
      response.status(201).json({ success: true, data: presentAttachment(attachment) });
    } catch (error) {
      // The rest of a refused body is read and dropped, so the client gets to read the answer.
      request.unpipe();
      request.resume();
      throw error;
    }
  });

  router.get('/attachments/:attachmentId', async (request, response) => {
    const attachment = await services.attachments.find(caller(response).userId, request.params['attachmentId']);
    const etag = `"${attachment.id}"`;
    response.set(downloadHeaders(attachment, etag));
    if (request.headers['if-none-match']?.split(/\s*,\s*/).some((tag) => tag === etag || tag === `W/${etag}`)) {
      response.status(304).end();
      return;
    }
    const ranges = request.range(attachment.size);
    if (ranges === -1) {
      response.status(416).set('Content-Range', `bytes */${attachment.size}`).end();
      return;
    }
    // One range is served as such; several (rare, multipart/byteranges) or a malformed header get the whole file.
    const range = Array.isArray(ranges) && ranges.length === 1 && ranges.type === 'bytes' ? ranges[0]! : undefined;
    if (range) {
      response.status(206).set('Content-Range', `bytes ${range.start}-${range.end}/${attachment.size}`);
    }
    response.set('Content-Length', String(range ? range.end - range.start + 1 : attachment.size));
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    await streamOut(services.attachments.read(attachment, range), response, logger);
  });
}

/** Headers of every download: the stored type, never sniffed again, shown inline only when safe. */
function downloadHeaders(attachment: StoredAttachment, etag: string): Record<string, string> {
  return {
    'Content-Type': attachment.contentType,
    'Content-Disposition': contentDisposition(attachment.fileName, {
      type: servedInline(attachment.contentType) ? 'inline' : 'attachment',
    }),
    'X-Content-Type-Options': 'nosniff',
    // Even opened directly, a file can run nothing and load nothing.
    'Content-Security-Policy': "default-src 'none'; sandbox",
    'Accept-Ranges': 'bytes',
    ETag: etag,
    'Cache-Control': `private, max-age=${DOWNLOAD_MAX_AGE_SECONDS}`,
    'Last-Modified': attachment.createdAt.toUTCString(),
  };
}

/** Runs busboy over the request and hands the one `file` part to `store`; other parts are skipped. */
function receiveFile(
  request: Request,
  maxBytes: number,
  store: (fileName: string, file: Readable) => Promise<StoredAttachment>,
): Promise<StoredAttachment> {
  return new Promise<StoredAttachment>((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: request.headers,
        // One past the limit, so the upload itself sees the excess and refuses it.
        limits: { files: 1, fileSize: maxBytes + 1, fields: 10, fieldSize: 1024, parts: 20, headerPairs: 50 },
      });
    } catch {
      reject(ChatError.badInput('The multipart body has no boundary', 'file'));
      return;
    }
    let stored: Promise<StoredAttachment> | null = null;
    parser.on('file', (field, file, info) => {
      if (field !== 'file' || stored) {
        file.resume();
        return;
      }
      stored = store(formFileName(info.filename), file);
      stored.catch(reject);
    });
    parser.on('error', () => reject(ChatError.badInput('The multipart body is malformed', 'file')));
    parser.on('close', () => {
      if (!stored) reject(ChatError.badInput('No file: send it in a multipart field named "file"', 'file'));
      else stored.then(resolve, reject);
    });
    request.pipe(parser);
  });
}

/**
 * A multipart file name as the client meant it: browsers (and fetch) escape `"`, LF and CR in it
 * as %22, %0A and %0D (the HTML form-data rules), which busboy leaves as they are.
 */
function formFileName(name: string | undefined): string {
  return (name ?? '').replace(/%22/g, '"').replace(/%0A/gi, '\n').replace(/%0D/gi, '\r');
}

/** Streams the bytes out; a storage failure midway can only cut the response short (headers are gone). */
async function streamOut(body: Readable, response: Response, logger: Logger): Promise<void> {
  try {
    await pipeline(body, response);
  } catch (error) {
    if (!response.headersSent)
      throw ChatError.unavailable('The file could not be read right now; retry shortly', error);
    logger.warn({ err: error }, 'attachment download cut short');
    response.destroy();
  }
}

import { crc32, deflateSync } from 'node:zlib';
import type { ApiServer } from '../../src/api/api.server';

/** What POST /api/chat/attachments answers. */
export interface UploadAnswer {
  readonly status: number;
  readonly body: {
    success: boolean;
    data?: {
      attachmentId: string;
      url: string;
      fileName: string;
      contentType: string;
      size: number;
      width: number | null;
      height: number | null;
    };
    error?: { code: string; message: string };
  };
}

/** Uploads `bytes` as a multipart `file` part, as a browser form would (Content-Length known). */
export async function upload(
  api: ApiServer,
  token: string | null,
  bytes: Uint8Array,
  fileName: string,
  declaredType = 'application/octet-stream',
): Promise<UploadAnswer> {
  const form = new FormData();
  form.append('file', new Blob([bytes], { type: declaredType }), fileName);
  const response = await fetch(`${api.url}/api/chat/attachments`, {
    method: 'POST',
    headers: token ? { authorization: `Bearer ${token}` } : {},
    body: form,
  });
  return { status: response.status, body: (await response.json()) as UploadAnswer['body'] };
}

/**
 * Uploads with a chunked body (no Content-Length), as a client streaming a file of unknown size
 * would: the server learns the size only as the bytes arrive.
 */
export async function uploadStreamed(api: ApiServer, token: string, bytes: Uint8Array, fileName: string) {
  const boundary = `----chat-test-${Date.now()}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const chunkSize = 16 * 1024;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(head);
      for (let offset = 0; offset < bytes.length; offset += chunkSize)
        controller.enqueue(bytes.subarray(offset, offset + chunkSize));
      controller.enqueue(tail);
      controller.close();
    },
  });
  const response = await fetch(`${api.url}/api/chat/attachments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
    body,
    duplex: 'half',
  } as RequestInit);
  return { status: response.status, body: (await response.json()) as UploadAnswer['body'] };
}

/** A GET of an attachment with the given token and extra headers. */
export function download(api: ApiServer, url: string, token: string | null, headers: Record<string, string> = {}) {
  return fetch(`${api.url}${url}`, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
}

/** A valid PNG of `width` × `height` grey pixels. */
export function png(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(typed));
    return Buffer.concat([length, typed, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale
  const rows = Buffer.alloc((width + 1) * height, 0x80);
  for (let row = 0; row < height; row += 1) rows[row * (width + 1)] = 0; // filter: none
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

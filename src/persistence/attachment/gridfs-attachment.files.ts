import { finished } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { mongo, Types, type Connection } from 'mongoose';
import type { AttachmentFiles } from '../../domain/attachment/attachment.types';
import { ATTACHMENT_BUCKET } from './attachment.model';

/** Attachment bytes in a GridFS bucket (chunks of 255 KiB), streamed both ways. */
export class GridFsAttachmentFiles implements AttachmentFiles {
  private readonly bucket: mongo.GridFSBucket;
  private readonly db: mongo.Db;

  constructor(connection: Connection) {
    this.db = connection.db!;
    this.bucket = new mongo.GridFSBucket(this.db, { bucketName: ATTACHMENT_BUCKET });
  }

  async write(id: string, fileName: string, source: Readable): Promise<void> {
    const upload = this.bucket.openUploadStreamWithId(new Types.ObjectId(id), fileName);
    try {
      // One chunk at a time, each write awaited until its chunk document is stored: when the
      // source fails, no insert is still in flight to land after the clean-up below (with a
      // pipe, one could, leaving an orphan chunk).
      for await (const chunk of source) {
        await new Promise<void>((resolve, reject) =>
          upload.write(chunk as Buffer, (error) => (error ? reject(error) : resolve())),
        );
      }
      upload.end();
      await finished(upload);
    } catch (error) {
      // Whatever chunks were written go with the failed upload: nothing of it is kept.
      await upload.abort().catch(() => undefined);
      await this.delete([id]);
      throw error;
    }
  }

  read(id: string, range?: { readonly start: number; readonly end: number }): Readable {
    return this.bucket.openDownloadStream(
      new Types.ObjectId(id),
      range ? { start: range.start, end: range.end + 1 } : {},
    );
  }

  async delete(ids: readonly string[]): Promise<void> {
    const filesIds = ids.map((id) => new Types.ObjectId(id));
    // Both collections directly (GridFSBucket.delete fails on a file already gone, and takes one id).
    await this.db.collection(`${ATTACHMENT_BUCKET}.chunks`).deleteMany({ files_id: { $in: filesIds } });
    await this.db.collection(`${ATTACHMENT_BUCKET}.files`).deleteMany({ _id: { $in: filesIds } });
  }
}

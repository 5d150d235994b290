import { useEffect, useState } from 'react';
import type { MessageFieldsFragment } from '../../../src/client/graphql';
import { storedToken } from '../session/session';

type Attachment = MessageFieldsFragment['attachments'][number];

/** What POST /api/chat/attachments answers. */
export interface Uploaded {
  readonly attachmentId: string;
  readonly url: string;
  readonly fileName: string;
  readonly contentType: string;
  readonly size: number;
  readonly width: number | null;
  readonly height: number | null;
}

/**
 * Uploads one file with XMLHttpRequest, which (unlike fetch) reports upload progress. Rejects
 * with the server's error message (e.g. the size limit) when it refuses the file.
 */
export function uploadFile(file: File, onProgress: (fraction: number) => void): Promise<Uploaded> {
  return new Promise<Uploaded>((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', '/api/chat/attachments');
    request.setRequestHeader('Authorization', `Bearer ${storedToken() ?? ''}`);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    request.onload = () => {
      let body: { data?: Uploaded; error?: { message?: string } } = {};
      try {
        body = JSON.parse(request.responseText) as typeof body;
      } catch {
        // Not JSON (a proxy's page): reported by status below.
      }
      if (request.status === 201 && body.data) resolve(body.data);
      else reject(new Error(body.error?.message ?? `Upload failed (${request.status})`));
    };
    request.onerror = () => reject(new Error('Upload failed: the server could not be reached'));
    const form = new FormData();
    form.append('file', file, file.name);
    request.send(form);
  });
}

/** Downloads go through fetch with the bearer token (an <img src> or a link cannot send it). */
async function fetchAttachment(url: string): Promise<Blob> {
  const response = await fetch(url, { headers: { Authorization: `Bearer ${storedToken() ?? ''}` } });
  if (!response.ok) throw new Error(`The file is not available (${response.status})`);
  return response.blob();
}

export function formatBytes(size: number): string {
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KB`;
  return `${(size / 1024 / 1024).toFixed(1)} MB`;
}

/** An image attachment shown inline, loaded once as an object URL. */
function InlineImage(props: { attachment: Attachment }) {
  const { attachment } = props;
  const [src, setSrc] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let objectUrl: string | null = null;
    let cancelled = false;
    fetchAttachment(attachment.url).then(
      (blob) => {
        if (cancelled) return;
        objectUrl = URL.createObjectURL(blob);
        setSrc(objectUrl);
      },
      () => !cancelled && setFailed(true),
    );
    return () => {
      cancelled = true;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [attachment.url]);
  if (failed) return <span className="attachment-missing">🖼 {attachment.fileName} (not available)</span>;
  return (
    <img
      className="attachment-image"
      data-testid="attachment-image"
      alt={attachment.fileName}
      src={src ?? undefined}
      width={attachment.width ?? undefined}
      height={attachment.height ?? undefined}
    />
  );
}

/** Any other file: a chip that downloads it under its name. */
function DownloadChip(props: { attachment: Attachment }) {
  const { attachment } = props;
  const save = async () => {
    try {
      const objectUrl = URL.createObjectURL(await fetchAttachment(attachment.url));
      const link = document.createElement('a');
      link.href = objectUrl;
      link.download = attachment.fileName;
      link.click();
      setTimeout(() => URL.revokeObjectURL(objectUrl), 10_000);
    } catch (error) {
      window.alert(error instanceof Error ? error.message : String(error));
    }
  };
  return (
    <button type="button" className="attachment-chip" data-testid="attachment-chip" onClick={() => void save()}>
      📎 {attachment.fileName} · {formatBytes(attachment.size)}
    </button>
  );
}

const INLINE_IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/** A message's files: images inline, everything else as download chips. */
export function Attachments(props: { attachments: readonly Attachment[] }) {
  if (props.attachments.length === 0) return null;
  return (
    <div className="attachments">
      {props.attachments.map((attachment) =>
        INLINE_IMAGE_TYPES.has(attachment.contentType) ? (
          <InlineImage key={attachment.id} attachment={attachment} />
        ) : (
          <DownloadChip key={attachment.id} attachment={attachment} />
        ),
      )}
    </div>
  );
}

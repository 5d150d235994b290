import { useMutation } from '@apollo/client/react';
import { useState } from 'react';
import { SendMessageDocument, type MessageFieldsFragment } from '../../../src/client/graphql';
import { addMessage, PENDING_PREFIX } from '../live/cache-updates';
import type { Uploaded } from './attachments';

/** What a send adds to its text: the message it replies to, the members it mentions. */
export interface SendExtras {
  readonly replyToId?: string | null;
  readonly mentionedUserIds?: readonly string[];
  /** Uploaded files it carries. */
  readonly attachments?: readonly Uploaded[];
}

export interface FailedSend {
  readonly clientMessageId: string;
  readonly text: string;
  readonly extras: SendExtras;
  readonly reason: string;
}

/** RFC 4122 v4 from getRandomValues, which (unlike randomUUID) also exists on plain-http pages. */
export function newClientMessageId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Sending with optimistic UI: the message shows at once (pending, 🕓) and is replaced by the
 * stored one when the server confirms. Every attempt of one message carries the same
 * clientMessageId, so a retry after a timeout can never store it twice. Failures stay listed,
 * with their text, until retried or discarded.
 */
export function useSendMessage(
  me: { id: string; name: string | null },
  /** `otherUserId`: the other person of a DIRECT conversation; null in a group. */
  target: { conversationId: string; otherUserId: string | null },
) {
  const [send] = useMutation(SendMessageDocument);
  const [failed, setFailed] = useState<FailedSend[]>([]);

  const attempt = async (text: string, clientMessageId: string, extras: SendExtras) => {
    const replyToId = extras.replyToId ?? null;
    const mentionedUserIds = [...(extras.mentionedUserIds ?? [])];
    const uploads = extras.attachments ?? [];
    const attachmentIds = uploads.map((upload) => upload.attachmentId);
    setFailed((list) => list.filter((entry) => entry.clientMessageId !== clientMessageId));
    const now = new Date().toISOString();
    const optimistic = {
      __typename: 'Message',
      id: `${PENDING_PREFIX}${clientMessageId}`,
      cursor: '',
      conversationId: target.conversationId,
      seq: Number.MAX_SAFE_INTEGER, // sorts after everything stored
      senderId: me.id,
      receiverId: target.otherUserId,
      message: text,
      messageType: 'TEXT',
      attachmentUrl: null,
      clientMessageId,
      isRead: false,
      readByCount: 0,
      systemEvent: null,
      readAt: null,
      createdAt: now,
      updatedAt: now,
      sender: { __typename: 'User', id: me.id, name: me.name },
      receiver: null,
      editedAt: null,
      replyToId,
      mentionedUserIds,
      pinnedAt: null,
      reactions: [],
      attachments: uploads.map((upload) => ({
        __typename: 'Attachment',
        id: upload.attachmentId,
        url: upload.url,
        fileName: upload.fileName,
        contentType: upload.contentType,
        size: upload.size,
        width: upload.width,
        height: upload.height,
      })),
    } as MessageFieldsFragment;
    try {
      await send({
        variables: {
          input: {
            conversationId: target.conversationId,
            message: text,
            clientMessageId,
            replyToId,
            mentionedUserIds,
            ...(attachmentIds.length > 0 ? { attachmentIds } : {}),
          },
        },
        optimisticResponse: { sendMessage: optimistic },
        update: (cache, { data }) => {
          if (data) addMessage(cache, data.sendMessage, me.id);
        },
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      setFailed((list) => [...list, { clientMessageId, text, extras, reason }]);
    }
  };

  return {
    failed,
    send: (text: string, extras: SendExtras = {}) => attempt(text, newClientMessageId(), extras),
    retry: (entry: FailedSend) => attempt(entry.text, entry.clientMessageId, entry.extras),
    discard: (entry: FailedSend) =>
      setFailed((list) => list.filter((other) => other.clientMessageId !== entry.clientMessageId)),
  };
}

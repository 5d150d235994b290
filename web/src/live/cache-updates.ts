import type { ApolloCache, Reference } from '@apollo/client';
import {
  MessagesDocument,
  type MessageFieldsFragment,
  type MessagesReadSubscription,
} from '../../../src/client/graphql';

export const PENDING_PREFIX = 'pending:';

export function isPending(message: Pick<MessageFieldsFragment, 'id'>): boolean {
  return message.id.startsWith(PENDING_PREFIX);
}

/** The other person of a DIRECT message; null for a group's (which has no one receiver). */
export function otherParticipant(message: MessageFieldsFragment, me: string): string | null {
  if (message.receiverId === null) return null;
  return message.senderId === me ? message.receiverId : message.senderId;
}

/**
 * A message from any source (subscription, mutation result, optimistic send) into the cache: the
 * conversation's loaded history, if any, and its row in the conversation list. Returns false when
 * the conversation is not in the list yet, so the caller can refetch the list.
 */
export function addMessage(cache: ApolloCache, message: MessageFieldsFragment, me: string): boolean {
  const targetUserId = otherParticipant(message, me);
  if (targetUserId === null) return true; // groups are not shown by this client yet
  cache.updateQuery({ query: MessagesDocument, variables: { targetUserId } }, (data) =>
    data && !data.messages.nodes.some((node) => node.id === message.id)
      ? { messages: { ...data.messages, nodes: [...data.messages.nodes, message] } }
      : undefined,
  );
  if (isPending(message)) return true;

  const id = cache.identify({ __typename: 'Conversation', conversationId: message.conversationId });
  if (!id) return false;
  return cache.modify({
    id,
    fields: {
      lastMessage: (value, { readField }) => (isNewer(message, readField<number>('lastSeq')) ? message.message : value),
      lastMessageTime: (value, { readField }) =>
        isNewer(message, readField<number>('lastSeq')) ? message.createdAt : value,
      // Counted only once per seq, so a message replayed on resume is not counted twice.
      unreadCount: (count: number, { readField }) =>
        message.receiverId === me && isNewer(message, readField<number>('lastSeq')) ? count + 1 : count,
      lastSeq: (seq: number) => Math.max(seq, message.seq),
    },
  });
}

function isNewer(message: MessageFieldsFragment, lastSeq: number | undefined): boolean {
  return message.seq > (lastSeq ?? 0);
}

/** Read ticks: the reader's messages flip to read; the reader's own unread count drops to zero. */
export function applyMessagesRead(
  cache: ApolloCache,
  event: MessagesReadSubscription['messagesRead'],
  me: string,
): void {
  for (const messageId of event.messageIds) {
    cache.modify({
      id: cache.identify({ __typename: 'Message', id: messageId }),
      fields: { isRead: () => true, readAt: () => event.readAt },
    });
  }
  if (event.readerId === me) {
    cache.modify({
      id: cache.identify({ __typename: 'Conversation', conversationId: event.conversationId }),
      fields: { unreadCount: () => 0 },
    });
  }
}

/** A deleted message leaves every loaded history (and search results refetch on their own). */
export function removeMessage(cache: ApolloCache, messageId: string): void {
  cache.modify<{ messages: { nodes: Reference[]; edges: { node: Reference }[] } }>({
    id: 'ROOT_QUERY',
    fields: {
      messages(existing, { readField, isReference }) {
        if (isReference(existing)) return existing;
        const keep = (node: Reference) => readField('id', node) !== messageId;
        return { ...existing, nodes: existing.nodes.filter(keep), edges: existing.edges.filter((e) => keep(e.node)) };
      },
    },
  });
  cache.evict({ id: cache.identify({ __typename: 'Message', id: messageId }) });
  cache.gc();
}

/** The targetUserIds whose history is loaded, read from the cache itself (no second registry). */
export function loadedHistories(cache: ApolloCache): string[] {
  const root = (cache.extract() as Record<string, Record<string, unknown> | undefined>)['ROOT_QUERY'] ?? {};
  return (
    Object.keys(root)
      // Store field names look like messages:{"targetUserId":"…"} (keyArgs: ['targetUserId']).
      .map((key) => /^messages:(\{.*\})$/.exec(key)?.[1])
      .filter((args): args is string => args !== undefined)
      .map((args) => (JSON.parse(args) as { targetUserId: string }).targetUserId)
  );
}

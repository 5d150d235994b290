import type { ApolloCache, Reference } from '@apollo/client';
import {
  MessagesDocument,
  type ConversationEventFieldsFragment,
  type MessageFieldsFragment,
  type MessagesReadSubscription,
} from '../../../src/client/graphql';
import { eventCursors } from './event-cursors';

export const PENDING_PREFIX = 'pending:';

export function isPending(message: Pick<MessageFieldsFragment, 'id'>): boolean {
  return message.id.startsWith(PENDING_PREFIX);
}

/** A group's message (no one receiver) rather than a DIRECT one. */
export function inGroup(message: Pick<MessageFieldsFragment, 'receiverId'>): boolean {
  return message.receiverId === null;
}

/**
 * A message from any source (subscription, mutation result, optimistic send) into the cache: the
 * conversation's loaded history, if any, and its row in the conversation list. Returns false when
 * the conversation is not in the list yet, so the caller can refetch the list.
 */
export function addMessage(cache: ApolloCache, message: MessageFieldsFragment, me: string): boolean {
  const { conversationId } = message;
  cache.updateQuery({ query: MessagesDocument, variables: { conversationId } }, (data) =>
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
      // Counted only once per seq, so a message replayed on resume is not counted twice. In a
      // group, sending reads the conversation (the server's rule), and SYSTEM messages never count.
      unreadCount: (count: number, { readField }) => {
        if (!isNewer(message, readField<number>('lastSeq'))) return count;
        if (message.senderId === me) return inGroup(message) ? 0 : count;
        return message.messageType === 'SYSTEM' ? count : count + 1;
      },
      mentionCount: (count: number, { readField }) => {
        if (!isNewer(message, readField<number>('lastSeq'))) return count;
        if (message.senderId === me) return inGroup(message) ? 0 : count;
        return message.mentionedUserIds.includes(me) ? count + 1 : count;
      },
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
      fields: { unreadCount: () => 0, mentionCount: () => 0 },
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

/** The conversations whose history is loaded, read from the cache itself (no second registry). */
export function loadedHistories(cache: ApolloCache): string[] {
  const root = (cache.extract() as Record<string, Record<string, unknown> | undefined>)['ROOT_QUERY'] ?? {};
  return (
    Object.keys(root)
      // Store field names look like messages:{"conversationId":"…"} (see cache-policies.ts).
      .map((key) => /^messages:(\{.*\})$/.exec(key)?.[1])
      .filter((args): args is string => args !== undefined)
      .flatMap((args) => (JSON.parse(args) as { conversationId?: string }).conversationId ?? [])
  );
}

/**
 * One conversation event (live, or replayed on resume) applied to the cache. Its `message` is the
 * message as it now is and Apollo merges it into the cached one by id (text, edited mark,
 * reactions, pin), so only what normalization cannot do is done here: a deleted message leaves
 * the history. Returns whether the conversation list should be asked again (its preview may show
 * an edited or deleted message).
 */
export function applyConversationEvent(
  cache: ApolloCache,
  event: Pick<ConversationEventFieldsFragment, 'type' | 'messageId' | 'conversationId' | 'cursor'>,
): boolean {
  eventCursors.applied(event.conversationId, event.cursor);
  if (event.type === 'MESSAGE_DELETED') removeMessage(cache, event.messageId);
  return event.type === 'MESSAGE_DELETED' || event.type === 'MESSAGE_EDITED';
}

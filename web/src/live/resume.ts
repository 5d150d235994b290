import { CombinedGraphQLErrors, type ApolloClient } from '@apollo/client';
import {
  ConversationDocument,
  ConversationEventsDocument,
  ConversationsDocument,
  MessageReadStateDocument,
  MessagesDocument,
  type MessagesQuery,
} from '../../../src/client/graphql';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../../src/domain/limits';
import { applyConversationEvent, isPending, loadedHistories } from './cache-updates';
import { eventCursors } from './event-cursors';

const PAGE = MAX_PAGE_SIZE;
const RECENT = DEFAULT_PAGE_SIZE;

type Page = MessagesQuery['messages'];

async function fetchPage(client: ApolloClient, variables: { conversationId: string; first: number; after?: string }) {
  // Fetched raw, then written with the same variables, so the merge policy sees `after` and this
  // loop follows the server's page, not the merged list (which may hold newer live messages).
  const { data } = await client.query({ query: MessagesDocument, variables, fetchPolicy: 'no-cache' });
  if (!data) throw new Error('messages returned no data');
  client.cache.writeQuery({ query: MessagesDocument, variables, data });
  return data.messages;
}

/**
 * After the socket comes back: subscriptions are resubscribed by graphql-ws; what happened while
 * it was down is fetched here. The conversation list (unread counts, previews), then for every
 * loaded history everything after the last message seen, page by page, the events it missed
 * (edits, reactions, pins, deletes) through conversationEvents, and the read ticks of its newest
 * messages. Duplicates with live events merge by id.
 */
export async function resume(client: ApolloClient): Promise<void> {
  await client.query({ query: ConversationsDocument, fetchPolicy: 'network-only' });
  for (const conversationId of loadedHistories(client.cache)) {
    const cached = client.cache.readQuery({ query: MessagesDocument, variables: { conversationId } });
    const seen = cached?.messages.nodes.filter((node) => !isPending(node)) ?? [];
    let after = seen[seen.length - 1]?.cursor;
    while (after) {
      const page: Page = await fetchPage(client, { conversationId, first: PAGE, after });
      after = page.pageInfo.hasNextPage ? (page.pageInfo.endCursor ?? undefined) : undefined;
    }
    await applyMissedEvents(client, conversationId);
    await refreshReadState(client, conversationId);
  }
}

/**
 * Read ticks of the newest messages (receipts are not conversation events): only those fields,
 * written onto the cached messages, so nothing else of the history is reloaded.
 */
async function refreshReadState(client: ApolloClient, conversationId: string): Promise<void> {
  const { data } = await client.query({
    query: MessageReadStateDocument,
    variables: { conversationId, first: RECENT },
    fetchPolicy: 'no-cache',
  });
  for (const node of data?.messages.nodes ?? []) {
    client.cache.modify({
      id: client.cache.identify({ __typename: 'Message', id: node.id }),
      fields: { isRead: () => node.isRead, readAt: () => node.readAt, readByCount: () => node.readByCount },
    });
  }
}

/**
 * Every event since this client's cursor, page by page, applied to the cache: what was edited,
 * reacted to, pinned or deleted while it was away, without reloading the history. A cursor older
 * than the server keeps events answers RESYNC_REQUIRED: the history is then reloaded instead.
 */
async function applyMissedEvents(client: ApolloClient, conversationId: string): Promise<void> {
  for (let after = eventCursors.get(conversationId); after;) {
    const { data, error } = await client.query({
      query: ConversationEventsDocument,
      variables: { conversationId, after, first: PAGE },
      fetchPolicy: 'network-only',
      errorPolicy: 'all',
    });
    if (!data) {
      if (resyncRequired(error)) await resync(client, conversationId);
      else if (error) throw error;
      return;
    }
    const page = data.conversationEvents;
    for (const event of page.nodes) applyConversationEvent(client.cache, event);
    eventCursors.applied(conversationId, page.endCursor);
    after = page.hasNextPage ? page.endCursor : undefined;
  }
}

function resyncRequired(error: unknown): boolean {
  return (
    CombinedGraphQLErrors.is(error) && error.errors.some((entry) => entry.extensions?.['code'] === 'RESYNC_REQUIRED')
  );
}

/** Starts the conversation over: its history from the newest page, its cursor from the server's. */
async function resync(client: ApolloClient, conversationId: string): Promise<void> {
  client.cache.evict({ id: 'ROOT_QUERY', fieldName: 'messages', args: { conversationId } });
  await fetchPage(client, { conversationId, first: RECENT });
  const { data } = await client.query({
    query: ConversationDocument,
    variables: { conversationId },
    fetchPolicy: 'network-only',
  });
  if (data) eventCursors.reset(conversationId, data.conversation.eventCursor);
}

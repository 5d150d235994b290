import type { ApolloClient } from '@apollo/client';
import { ConversationsDocument, MessagesDocument, type MessagesQuery } from '../../../src/client/graphql';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../../src/domain/limits';
import { isPending, loadedHistories } from './cache-updates';

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
 * loaded history everything after the last message seen, page by page, and its newest page again
 * (read ticks and deletions of recent messages). Duplicates with live events merge by id.
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
    await fetchPage(client, { conversationId, first: RECENT });
  }
}

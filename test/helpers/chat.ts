import {
  ConversationsDocument,
  SendMessageDocument,
  UnreadCountDocument,
  type MessageFieldsFragment,
} from '../../src/client/graphql';
import type { ApiServer } from '../../src/api/api.server';
import { graphqlHttp, graphqlOk } from './clients';
import type { TestUser } from './users';

/** Short-hands for the operations most tests repeat, through the real HTTP API. */
export function chatActions(api: ApiServer) {
  return {
    async send(
      from: TestUser,
      to: TestUser,
      message: string,
      extra: { clientMessageId?: string } = {},
    ): Promise<MessageFieldsFragment> {
      return (
        await graphqlOk(api, SendMessageDocument, { input: { targetUserId: to.id, message, ...extra } }, from.token)
      ).sendMessage;
    },
    async unread(user: TestUser): Promise<{ total: number; byConversation: Record<string, number> }> {
      const [total, list] = await Promise.all([
        graphqlOk(api, UnreadCountDocument, {}, user.token),
        graphqlOk(api, ConversationsDocument, {}, user.token),
      ]);
      return {
        total: total.unreadCount,
        byConversation: Object.fromEntries(list.conversations.map((c) => [c.otherUserId, c.unreadCount])),
      };
    },
    /** The `extensions.code` of the first error, or 'OK'. */
    async codeOf<TData, TVariables>(
      document: Parameters<typeof graphqlHttp<TData, TVariables>>[1],
      variables: TVariables,
      user: TestUser,
    ): Promise<string> {
      const { body } = await graphqlHttp(api, document, variables, user.token);
      return String(body.errors?.[0]?.extensions?.['code'] ?? 'OK');
    },
  };
}

export function conversationIdOf(a: TestUser, b: TestUser): string {
  return [a.id, b.id].sort().join('_');
}

/**
 * Calls like a well-behaved client: an answer of the retryable SERVICE_UNAVAILABLE is retried
 * (with the same clientMessageId, for a send), anything else fails the test.
 */
export async function untilAccepted<TData, TVariables>(
  api: ApiServer,
  document: Parameters<typeof graphqlHttp<TData, TVariables>>[1],
  variables: TVariables,
  user: TestUser,
): Promise<TData> {
  for (let attempt = 0; ; attempt += 1) {
    const { status, body } = await graphqlHttp(api, document, variables, user.token);
    if (body.data && !body.errors) return body.data;
    const code = body.errors?.[0]?.extensions?.['code'];
    // Patient, like a client honouring retryAfter (shortened here): a process just thawed, or a
    // machine running two suites, can stay at its in-flight bound for seconds.
    if (code !== 'SERVICE_UNAVAILABLE' || attempt >= 300) {
      throw new Error(`request failed (${status}): ${JSON.stringify(body.errors)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20 + Math.min(attempt, 10) * 10));
  }
}

export async function sendUntilStored(
  api: ApiServer,
  from: TestUser,
  to: TestUser,
  message: string,
  clientMessageId: string,
): Promise<MessageFieldsFragment> {
  const input = { targetUserId: to.id, message, clientMessageId };
  return (await untilAccepted(api, SendMessageDocument, { input }, from)).sendMessage;
}

import { useApolloClient, useSubscription } from '@apollo/client/react';
import { useEffect } from 'react';
import {
  ChatEndedDocument,
  ChatStartedDocument,
  ConversationsDocument,
  MessageDeletedDocument,
  MessagesReadDocument,
  NewMessageDocument,
} from '../../../src/client/graphql';
import type { ConnectionMonitor } from '../api/connection';
import { addMessage, applyMessagesRead, removeMessage } from './cache-updates';
import { resume } from './resume';

/**
 * The app-wide subscriptions that keep the cache live: every message in my conversations, read
 * receipts, deletions, chats started and ended; plus resume after the socket comes back.
 */
export function useChatSubscriptions(me: string, monitor: ConnectionMonitor): void {
  const client = useApolloClient();
  const refetchConversations = () =>
    void client.query({ query: ConversationsDocument, fetchPolicy: 'network-only' }).catch(() => undefined);

  useSubscription(NewMessageDocument, {
    onData: ({ client: { cache }, data }) => {
      if (data.data && !addMessage(cache, data.data.newMessage, me)) refetchConversations();
    },
  });
  useSubscription(MessagesReadDocument, {
    onData: ({ client: { cache }, data }) => data.data && applyMessagesRead(cache, data.data.messagesRead, me),
  });
  useSubscription(MessageDeletedDocument, {
    onData: ({ client: { cache }, data }) => {
      if (!data.data) return;
      removeMessage(cache, data.data.messageDeleted.messageId);
      refetchConversations(); // the preview may have been the deleted message
    },
  });
  useSubscription(ChatStartedDocument, { onData: refetchConversations });
  useSubscription(ChatEndedDocument, { onData: refetchConversations });

  useEffect(
    () =>
      monitor.onReconnected(() => {
        resume(client).catch((error: unknown) => console.warn('resume failed; the next reconnect retries', error));
      }),
    [client, monitor],
  );
}

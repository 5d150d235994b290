import { useApolloClient, useSubscription } from '@apollo/client/react';
import { useEffect } from 'react';
import {
  ChatEndedDocument,
  ChatStartedDocument,
  ConversationMembersDocument,
  ConversationsDocument,
  ConversationEventStreamDocument,
  ConversationUpdatedDocument,
  MessageDeletedDocument,
  MessagesDocument,
  MessagesReadDocument,
  NewMessageDocument,
} from '../../../src/client/graphql';
import type { ConnectionMonitor } from '../api/connection';
import { addMessage, applyConversationEvent, applyMessagesRead, removeMessage } from './cache-updates';
import { eventCursors } from './event-cursors';
import { resume } from './resume';

/**
 * The app-wide subscriptions that keep the cache live: every message in my conversations, read
 * receipts, deletions, chats started and ended, group changes; plus resume after the socket comes
 * back.
 */
export function useChatSubscriptions(
  me: string,
  monitor: ConnectionMonitor,
  handlers: { onRemoved: (conversationId: string, how: 'removed' | 'left') => void },
): void {
  const client = useApolloClient();
  const refetchConversations = () =>
    void client.query({ query: ConversationsDocument, fetchPolicy: 'network-only' }).catch(() => undefined);

  useSubscription(NewMessageDocument, {
    onData: ({ client: { cache }, data }) => {
      if (data.data && !addMessage(cache, data.data.newMessage, me)) refetchConversations();
    },
  });
  useSubscription(MessagesReadDocument, {
    onData: ({ client: { cache }, data }) => {
      const event = data.data?.messagesRead;
      if (!event) return;
      applyMessagesRead(cache, event, me);
      // A group's read says how far, not which messages: the open history's newest page is asked
      // again for its "read by" counts.
      if (event.conversationId.startsWith('g_') && event.readerId !== me)
        void client.refetchQueries({ include: [MessagesDocument] }).catch(() => undefined);
    },
  });
  useSubscription(ConversationUpdatedDocument, {
    onData: ({ data }) => {
      const event = data.data?.conversationUpdated;
      if (!event) return;
      if ((event.type === 'MEMBER_REMOVED' || event.type === 'MEMBER_LEFT') && event.userIds.includes(me))
        handlers.onRemoved(event.conversationId, event.type === 'MEMBER_LEFT' ? 'left' : 'removed');
      void client
        .refetchQueries({ include: [ConversationsDocument, ConversationMembersDocument] })
        .catch(() => undefined);
    },
  });
  useSubscription(MessageDeletedDocument, {
    onData: ({ client: { cache }, data }) => {
      if (!data.data) return;
      removeMessage(cache, data.data.messageDeleted.messageId);
      refetchConversations(); // the preview may have been the deleted message
    },
  });
  // Edits, reactions, pins and deletes of every conversation; messages themselves come above.
  useSubscription(ConversationEventStreamDocument, {
    onData: ({ client: { cache }, data }) => {
      const event = data.data?.conversationEvents;
      if (event && event.type !== 'MESSAGE_CREATED' && applyConversationEvent(cache, event)) refetchConversations();
      else if (event) eventCursors.applied(event.conversationId, event.cursor);
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

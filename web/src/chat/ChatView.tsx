import { useMutation, useQuery } from '@apollo/client/react';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { ApolloCache } from '@apollo/client';
import {
  BlockedUsersDocument,
  BlockUserDocument,
  ConversationMembersDocument,
  DeleteMessageDocument,
  MarkConversationReadDocument,
  MessagesDocument,
  ScheduleMessageDocument,
  UnblockUserDocument,
  type ConversationFieldsFragment,
  type MessageFieldsFragment,
} from '../../../src/client/graphql';
import { GROUP_LIVE_SIGNALS_MAX_MEMBERS } from '../../../src/domain/limits';
import { removeMessage } from '../live/cache-updates';
import { Composer, type Mentionable } from './Composer';
import { displayName, isGroup } from './ConversationList';
import { MembersPanel } from './MembersPanel';
import { MessageBubble, type QuotedMessage } from './MessageBubble';
import { PinnedPanel } from './PinnedPanel';
import { ThreadPanel } from './ThreadPanel';
import { PresenceDot } from './PresenceDot';
import { ScheduledPanel } from './ScheduledPanel';
import { useSendMessage, type SendExtras } from './useSendMessage';

const PAGE_SIZE = 30;
/** Older messages load when the list is scrolled within this many pixels of its top. */
const LOAD_OLDER_AT_PX = 120;

export function ChatView(props: {
  me: { id: string; name: string | null };
  conversation: ConversationFieldsFragment;
  /** DIRECT: the other person's presence. */
  online: boolean | undefined;
  /** Who is typing in this conversation. */
  typing: ReadonlySet<string>;
  /** A search hit to show: older pages load until it is on screen. */
  focusMessageId: string | null;
  /** The caller left the group. */
  onLeft: () => void;
}) {
  const { me, conversation } = props;
  const { conversationId } = conversation;
  const group = isGroup(conversation);
  const { data, loading, error, fetchMore } = useQuery(MessagesDocument, {
    variables: { conversationId, first: PAGE_SIZE },
    notifyOnNetworkStatusChange: true,
  });
  // A group's members name its senders, its typists and its SYSTEM messages (and are managed here).
  const members = useQuery(ConversationMembersDocument, {
    variables: { conversationId, first: GROUP_LIVE_SIGNALS_MAX_MEMBERS },
    skip: !group,
  });
  const memberList = members.data?.conversation.members.nodes ?? [];
  // Names seen so far stay known, so "Alice removed Carol" still names Carol once she is gone.
  const names = useRef(new Map<string, string>()).current;
  for (const member of memberList) names.set(member.userId, member.user?.name ?? member.userId);
  if (conversation.otherUserId) names.set(conversation.otherUserId, displayName(conversation));
  const [showMembers, setShowMembers] = useState(false);
  const messages = data?.messages.nodes ?? [];
  for (const message of messages) if (message.sender?.name) names.set(message.senderId, message.sender.name);
  names.set(me.id, 'You');
  const hasOlder = data?.messages.pageInfo.hasPreviousPage ?? false;
  const { failed, send, retry, discard } = useSendMessage(me, {
    conversationId,
    otherUserId: conversation.otherUserId ?? null,
  });
  const [replyTo, setReplyTo] = useState<MessageFieldsFragment | null>(null);
  const [threadRootId, setThreadRootId] = useState<string | null>(null);
  const [showPinned, setShowPinned] = useState(false);
  const byId = new Map(messages.map((message) => [message.id, message]));
  const threadRoot = threadRootId ? (byId.get(threadRootId) ?? null) : null;
  // Pins: everyone in a DIRECT conversation; the owner and admins in a group (the server's default rule).
  const canPin = !group || conversation.viewerRole === 'OWNER' || conversation.viewerRole === 'ADMIN';
  const mentionable: Mentionable[] = group
    ? memberList
        .filter((member) => member.userId !== me.id)
        .map((member) => ({ userId: member.userId, name: member.user?.name ?? member.userId }))
    : conversation.otherUserId
      ? [{ userId: conversation.otherUserId, name: displayName(conversation) }]
      : [];
  // Panels ask the server again when what they show may have changed.
  const pinVersion = messages
    .filter((message) => message.pinnedAt)
    .map((message) => message.id)
    .join(',');
  const threadVersion = threadRootId ? messages.filter((message) => message.replyToId === threadRootId).length : 0;
  const [markRead] = useMutation(MarkConversationReadDocument);
  const [deleteMessage] = useMutation(DeleteMessageDocument);
  const [scheduleMessage] = useMutation(ScheduleMessageDocument);
  const [blockUser] = useMutation(BlockUserDocument, { refetchQueries: [BlockedUsersDocument] });
  const [unblockUser] = useMutation(UnblockUserDocument, { refetchQueries: [BlockedUsersDocument] });
  // Whom I block: in a group their messages show collapsed (both of us stay members).
  const blockedUsers = useQuery(BlockedUsersDocument);
  const blockedIds = new Set((blockedUsers.data?.blockedUsers ?? []).map((user) => user.id));
  // The scheduled list is asked again when one of mine arrives from the scheduler.
  const [scheduledVersion, setScheduledVersion] = useState(0);
  const lastScheduledArrival =
    messages.findLast((message) => message.senderId === me.id && message.clientMessageId.startsWith('scheduled-'))
      ?.id ?? '';

  const schedule = async (text: string, extras: SendExtras, sendAt: Date) => {
    await scheduleMessage({
      variables: {
        input: {
          conversationId,
          message: text,
          replyToId: extras.replyToId ?? null,
          mentionedUserIds: [...(extras.mentionedUserIds ?? [])],
          ...(extras.attachments?.length
            ? { attachmentIds: extras.attachments.map((upload) => upload.attachmentId) }
            : {}),
        },
        sendAt: sendAt.toISOString(),
      },
    });
    setScheduledVersion((version) => version + 1);
  };

  /** Blocks or unblocks the other person of a DIRECT conversation; the header and composer follow. */
  const setBlocked = (blocked: boolean) => {
    const userId = conversation.otherUserId;
    if (!userId) return;
    const variables = { userId };
    const update = (cache: ApolloCache) =>
      cache.modify({
        id: cache.identify({ __typename: 'Conversation', conversationId }),
        fields: {
          blockedByViewer: () => blocked,
          // Their own block of me, if any, still stands after I unblock (the server says on the next load).
          blocked: (current: boolean) => blocked || current,
        },
      });
    const done = blocked ? blockUser({ variables, update }) : unblockUser({ variables, update });
    done.catch((error: unknown) => window.alert(error instanceof Error ? error.message : String(error)));
  };

  // Reading is automatic while the conversation is open and the tab is visible.
  const visible = usePageVisible();
  useEffect(() => {
    if (conversation.unreadCount === 0 || !visible) return;
    markRead({
      variables: { conversationId },
      update: (cache) =>
        cache.modify({
          id: cache.identify({ __typename: 'Conversation', conversationId }),
          fields: { unreadCount: () => 0, mentionCount: () => 0 },
        }),
    }).catch(() => undefined); // retried on the next message or visit
  }, [visible, conversation.unreadCount, conversationId, markRead]);

  // Scroll: stay at the bottom for new messages, keep the reading position when older ones load.
  const list = useRef<HTMLOListElement>(null);
  const previous = useRef({ firstId: '', lastId: '', height: 0 });
  useLayoutEffect(() => {
    const element = list.current;
    if (!element) return;
    const firstId = messages[0]?.id ?? '';
    const lastId = messages[messages.length - 1]?.id ?? '';
    const before = previous.current;
    if (before.firstId && firstId !== before.firstId && lastId === before.lastId) {
      element.scrollTop += element.scrollHeight - before.height; // older page prepended
    } else if (lastId !== before.lastId) {
      element.scrollTop = element.scrollHeight;
    }
    previous.current = { firstId, lastId, height: element.scrollHeight };
  });

  const loadingOlder = useRef(false);
  const loadOlder = () => {
    const oldest = messages[0];
    if (!hasOlder || !oldest || loadingOlder.current) return;
    loadingOlder.current = true;
    fetchMore({ variables: { before: oldest.cursor } })
      .catch(() => undefined)
      .finally(() => (loadingOlder.current = false));
  };
  const onScroll = () => {
    if ((list.current?.scrollTop ?? Infinity) < LOAD_OLDER_AT_PX) loadOlder();
  };
  // A first page too short to scroll could never trigger onScroll: keep loading until it can.
  useEffect(() => {
    const element = list.current;
    if (element && element.scrollHeight <= element.clientHeight && hasOlder && !loading) loadOlder();
  });

  const focused = useRef<string | null>(null);
  useEffect(() => {
    const wanted = props.focusMessageId;
    if (!wanted || focused.current === wanted) return;
    const element = list.current?.querySelector(`[data-id="${CSS.escape(wanted)}"]`);
    if (element) {
      focused.current = wanted;
      element.scrollIntoView({ block: 'center' });
      element.classList.add('focused');
    } else if (!loading) {
      loadOlder();
    }
  });

  const onDelete = (messageId: string) =>
    deleteMessage({ variables: { messageId }, update: (cache) => removeMessage(cache, messageId) }).catch(
      (reason: unknown) => window.alert(`Could not delete: ${reason instanceof Error ? reason.message : reason}`),
    );

  const typists = [...props.typing]
    .filter((userId) => userId !== me.id)
    .map((userId) => names.get(userId) ?? 'Someone');
  return (
    <section className="chat" aria-label={`Chat with ${displayName(conversation)}`}>
      <header className="chat-header">
        {conversation.otherUserId && <PresenceDot userId={conversation.otherUserId} online={props.online} />}
        <h2>{displayName(conversation)}</h2>
        {group && (
          <button type="button" className="members-toggle" onClick={() => setShowMembers((shown) => !shown)}>
            {conversation.memberCount} members
          </button>
        )}
        <button type="button" className="pinned-toggle" onClick={() => setShowPinned((shown) => !shown)}>
          📌 Pinned
        </button>
        {!group && (
          <button
            type="button"
            className="block-toggle"
            onClick={() => {
              if (conversation.blockedByViewer) setBlocked(false);
              else if (window.confirm(`Block ${displayName(conversation)}? Neither of you can message the other.`))
                setBlocked(true);
            }}
          >
            {conversation.blockedByViewer ? 'Unblock' : 'Block'}
          </button>
        )}
        <span className="typing" data-testid="typing-indicator" aria-live="polite">
          {typists.length > 0 ? `${typists.join(' and ')} ${typists.length > 1 ? 'are' : 'is'} typing…` : ''}
        </span>
      </header>
      {group && showMembers && (
        <MembersPanel
          me={me.id}
          conversationId={conversationId}
          viewerRole={conversation.viewerRole}
          members={memberList}
          onLeft={props.onLeft}
        />
      )}
      {showPinned && <PinnedPanel conversationId={conversationId} names={names} version={pinVersion} />}
      {threadRoot && (
        <ThreadPanel
          root={threadRoot}
          names={names}
          members={mentionable}
          version={threadVersion}
          onSend={(text, extras) => void send(text, extras)}
          onClose={() => setThreadRootId(null)}
        />
      )}
      <ol className="messages" ref={list} onScroll={onScroll} data-testid="message-list">
        {hasOlder && (
          <li className="older">
            <button type="button" onClick={loadOlder}>
              {loading ? 'Loading…' : 'Load older messages'}
            </button>
          </li>
        )}
        {error && <li className="error">Could not load messages: {error.message}</li>}
        {messages.map((message) => (
          <MessageBubble
            key={message.id}
            message={message}
            mine={message.senderId === me.id}
            group={group}
            names={names}
            canPin={canPin}
            quoted={quoteOf(message, byId)}
            onDelete={() => void onDelete(message.id)}
            onReply={() => setReplyTo(message)}
            onOpenThread={() => setThreadRootId(message.id)}
            senderBlocked={group && blockedIds.has(message.senderId)}
          />
        ))}
      </ol>
      {conversation.blocked && (
        <p className="blocked-banner" data-testid="blocked-banner">
          {conversation.blockedByViewer
            ? `You blocked ${displayName(conversation)}. Unblock them to send messages.`
            : `${displayName(conversation)} does not accept messages from you.`}
        </p>
      )}
      <ScheduledPanel conversationId={conversationId} version={`${scheduledVersion}:${lastScheduledArrival}`} />
      {failed.length > 0 && (
        <ul className="failed" aria-label="Messages not sent">
          {failed.map((entry) => (
            <li key={entry.clientMessageId} data-testid="failed-message">
              <span>
                Not sent: “{entry.text}” ({entry.reason})
              </span>
              <button type="button" onClick={() => void retry(entry)}>
                Retry
              </button>
              <button type="button" onClick={() => discard(entry)}>
                Discard
              </button>
            </li>
          ))}
        </ul>
      )}
      <Composer
        conversationId={conversationId}
        members={mentionable}
        replyTo={
          replyTo
            ? { id: replyTo.id, label: `${names.get(replyTo.senderId) ?? 'someone'}: ${replyTo.message.slice(0, 60)}` }
            : null
        }
        onCancelReply={() => setReplyTo(null)}
        onSend={(text, extras) => {
          setReplyTo(null);
          void send(text, extras);
        }}
        onSchedule={async (text, extras, sendAt) => {
          await schedule(text, extras, sendAt);
          setReplyTo(null);
        }}
      />
    </section>
  );
}

/** What a reply quotes, from the loaded history (null: not loaded here, shown as "Original message"). */
function quoteOf(
  message: MessageFieldsFragment,
  byId: ReadonlyMap<string, MessageFieldsFragment>,
): QuotedMessage | null {
  if (!message.replyToId) return null;
  const quoted = byId.get(message.replyToId);
  return quoted ? { senderId: quoted.senderId, message: quoted.message, deleted: false } : null;
}

function usePageVisible(): boolean {
  const [visible, setVisible] = useState(document.visibilityState === 'visible');
  useEffect(() => {
    const update = () => setVisible(document.visibilityState === 'visible');
    document.addEventListener('visibilitychange', update);
    return () => document.removeEventListener('visibilitychange', update);
  }, []);
  return visible;
}

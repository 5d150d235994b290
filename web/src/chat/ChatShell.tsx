import { useQuery } from '@apollo/client/react';
import { useState } from 'react';
import { ConversationsDocument, MeDocument } from '../../../src/client/graphql';
import { eventCursors } from '../live/event-cursors';
import { MAX_PAGE_SIZE } from '../../../src/domain/limits';
import type { ConnectionMonitor } from '../api/connection';
import { useChatSubscriptions } from '../live/useChatSubscriptions';
import { usePresence } from '../live/usePresence';
import { useTyping } from '../live/useTyping';
import { ChatView } from './ChatView';
import { ConnectionStatus } from './ConnectionStatus';
import { ConversationList, displayName } from './ConversationList';
import { NewChat } from './NewChat';
import { NewGroup } from './NewGroup';
import { SearchPanel } from './SearchPanel';

export function ChatShell(props: { monitor: ConnectionMonitor; onSignOut: () => void }) {
  const me = useQuery(MeDocument);
  if (me.error) {
    return (
      <main className="picker">
        <p className="error">Could not load your profile: {me.error.message}</p>
        <button type="button" onClick={props.onSignOut}>
          Sign in again
        </button>
      </main>
    );
  }
  if (!me.data) return <main className="picker">Loading…</main>;
  return <SignedIn {...props} me={me.data.me} />;
}

function SignedIn(props: {
  me: { id: string; name: string | null };
  monitor: ConnectionMonitor;
  onSignOut: () => void;
}) {
  const { me, monitor } = props;
  const typing = useTyping();
  const { data } = useQuery(ConversationsDocument, { variables: { limit: MAX_PAGE_SIZE } });
  const conversations = data?.conversations ?? [];
  // Each conversation's event stream starts where the list first saw it (see live/event-cursors).
  for (const conversation of conversations) eventCursors.startAt(conversation.conversationId, conversation.eventCursor);
  const presence = usePresence(
    conversations.flatMap((conversation) => conversation.otherUserId ?? []),
    monitor,
  );
  const [openId, setOpenId] = useState<string | null>(null);
  const [focusMessageId, setFocusMessageId] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const openConversation = (conversationId: string, messageId: string | null = null) => {
    setOpenId(conversationId);
    setFocusMessageId(messageId);
    setNotice(null);
  };
  const open = conversations.find((conversation) => conversation.conversationId === openId);
  useChatSubscriptions(me.id, monitor, {
    onRemoved: (conversationId, how) => {
      const found = conversations.find((conversation) => conversation.conversationId === conversationId);
      const name = found ? displayName(found) : 'a group';
      setNotice(how === 'left' ? `You left ${name}.` : `You were removed from ${name}.`);
      setOpenId((current) => (current === conversationId ? null : current));
    },
  });

  return (
    <div className="shell">
      <header className="topbar">
        <strong data-testid="me">{me.name ?? me.id}</strong>
        <ConnectionStatus monitor={monitor} />
        <button type="button" onClick={props.onSignOut}>
          Sign out
        </button>
      </header>
      <aside className="sidebar">
        <SearchPanel onOpen={openConversation} />
        <NewChat onStarted={openConversation} />
        <NewGroup me={me.id} onCreated={openConversation} />
        <ConversationList
          conversations={conversations}
          openId={openId}
          presence={presence}
          typing={typing}
          onOpen={openConversation}
        />
      </aside>
      {open ? (
        <ChatView
          key={open.conversationId}
          me={me}
          conversation={open}
          online={open.otherUserId ? presence.get(open.otherUserId) : undefined}
          typing={typing.get(open.conversationId) ?? new Set()}
          focusMessageId={focusMessageId}
          onLeft={() => setOpenId(null)}
        />
      ) : (
        <section className="chat empty muted" data-testid="no-chat">
          {notice ?? 'Pick a conversation.'}
        </section>
      )}
    </div>
  );
}

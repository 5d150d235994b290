import { useQuery } from '@apollo/client/react';
import { useState } from 'react';
import { ConversationsDocument, MeDocument } from '../../../src/client/graphql';
import { MAX_PAGE_SIZE } from '../../../src/domain/limits';
import type { ConnectionMonitor } from '../api/connection';
import { useChatSubscriptions } from '../live/useChatSubscriptions';
import { usePresence } from '../live/usePresence';
import { useTyping } from '../live/useTyping';
import { ChatView } from './ChatView';
import { ConnectionStatus } from './ConnectionStatus';
import { ConversationList, isDirect } from './ConversationList';
import { NewChat } from './NewChat';
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
  useChatSubscriptions(me.id, monitor);
  const typing = useTyping();
  const { data } = useQuery(ConversationsDocument, { variables: { limit: MAX_PAGE_SIZE } });
  const conversations = (data?.conversations ?? []).filter(isDirect);
  const presence = usePresence(
    conversations.map((conversation) => conversation.otherUserId),
    monitor,
  );
  const [openUserId, setOpenUserId] = useState<string | null>(null);
  const [focusMessageId, setFocusMessageId] = useState<string | null>(null);
  const openConversation = (userId: string, messageId: string | null = null) => {
    setOpenUserId(userId);
    setFocusMessageId(messageId);
  };
  const open = conversations.find((conversation) => conversation.otherUserId === openUserId);

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
        <SearchPanel me={me.id} onOpen={openConversation} />
        <NewChat onStarted={openConversation} />
        <ConversationList
          conversations={conversations}
          openUserId={openUserId}
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
          online={presence.get(open.otherUserId)}
          typing={typing.has(open.otherUserId)}
          focusMessageId={focusMessageId}
        />
      ) : (
        <section className="chat empty muted">Pick a conversation.</section>
      )}
    </div>
  );
}

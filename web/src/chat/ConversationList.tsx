import type { ConversationFieldsFragment } from '../../../src/client/graphql';
import { PresenceDot } from './PresenceDot';

/** A DIRECT conversation: the ones this client shows (groups come with their own views). */
export type DirectConversation = ConversationFieldsFragment & { otherUserId: string };

export function isDirect(conversation: ConversationFieldsFragment): conversation is DirectConversation {
  return conversation.otherUserId !== null;
}

export function displayName(conversation: DirectConversation): string {
  return conversation.otherUser?.name ?? conversation.otherUserId;
}

function time(iso: string | null): string {
  return iso ? new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : '';
}

/** Newest activity first, with unread badges and presence dots. */
export function ConversationList(props: {
  conversations: readonly DirectConversation[];
  openUserId: string | null;
  presence: ReadonlyMap<string, boolean>;
  typing: ReadonlySet<string>;
  onOpen: (userId: string) => void;
}) {
  const sorted = [...props.conversations].sort((a, b) =>
    (b.lastMessageTime ?? '').localeCompare(a.lastMessageTime ?? ''),
  );
  if (sorted.length === 0) return <p className="muted empty">No conversations yet: start one above.</p>;
  return (
    <ul className="conversations" aria-label="Conversations">
      {sorted.map((conversation) => (
        <li key={conversation.conversationId}>
          <button
            type="button"
            className={conversation.otherUserId === props.openUserId ? 'conversation open' : 'conversation'}
            data-testid={`conversation-${conversation.otherUserId}`}
            onClick={() => props.onOpen(conversation.otherUserId)}
          >
            <PresenceDot userId={conversation.otherUserId} online={props.presence.get(conversation.otherUserId)} />
            <span className="conversation-text">
              <span className="conversation-name">{displayName(conversation)}</span>
              <span className="conversation-preview">
                {props.typing.has(conversation.otherUserId) ? <em>typing…</em> : conversation.lastMessage}
              </span>
            </span>
            <span className="conversation-meta">
              <span className="muted">{time(conversation.lastMessageTime)}</span>
              {conversation.unreadCount > 0 && (
                <span className="badge" data-testid="unread-badge" aria-label={`${conversation.unreadCount} unread`}>
                  {conversation.unreadCount}
                </span>
              )}
            </span>
          </button>
        </li>
      ))}
    </ul>
  );
}

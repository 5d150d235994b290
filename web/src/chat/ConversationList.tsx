import type { ConversationFieldsFragment } from '../../../src/client/graphql';
import type { TypingState } from '../live/useTyping';
import { PresenceDot } from './PresenceDot';

export function isGroup(conversation: Pick<ConversationFieldsFragment, 'kind'>): boolean {
  return conversation.kind === 'GROUP';
}

/** A group by its title, a DIRECT conversation by the other person's name. */
export function displayName(conversation: ConversationFieldsFragment): string {
  return conversation.title ?? conversation.otherUser?.name ?? conversation.otherUserId ?? conversation.conversationId;
}

function time(iso: string | null): string {
  return iso ? new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : '';
}

/** Newest activity first, with unread badges, presence dots (DIRECT) and member counts (groups). */
export function ConversationList(props: {
  conversations: readonly ConversationFieldsFragment[];
  openId: string | null;
  presence: ReadonlyMap<string, boolean>;
  typing: TypingState;
  onOpen: (conversationId: string) => void;
}) {
  const sorted = [...props.conversations].sort((a, b) =>
    (b.lastMessageTime ?? '').localeCompare(a.lastMessageTime ?? ''),
  );
  if (sorted.length === 0) return <p className="muted empty">No conversations yet: start one above.</p>;
  return (
    <ul className="conversations" aria-label="Conversations">
      {sorted.map((conversation) => {
        const typing = (props.typing.get(conversation.conversationId)?.size ?? 0) > 0;
        return (
          <li key={conversation.conversationId}>
            <button
              type="button"
              className={conversation.conversationId === props.openId ? 'conversation open' : 'conversation'}
              data-testid={`conversation-${conversation.otherUserId ?? conversation.conversationId}`}
              onClick={() => props.onOpen(conversation.conversationId)}
            >
              {conversation.otherUserId ? (
                <PresenceDot userId={conversation.otherUserId} online={props.presence.get(conversation.otherUserId)} />
              ) : (
                <span className="group-icon" aria-hidden="true">
                  #
                </span>
              )}
              <span className="conversation-text">
                <span className="conversation-name">{displayName(conversation)}</span>
                <span className="conversation-preview">{typing ? <em>typing…</em> : conversation.lastMessage}</span>
              </span>
              <span className="conversation-meta">
                <span className="muted">{time(conversation.lastMessageTime)}</span>
                {conversation.mentionCount > 0 && (
                  <span
                    className="badge mention"
                    data-testid="mention-badge"
                    aria-label={`${conversation.mentionCount} unread mentions`}
                  >
                    @{conversation.mentionCount}
                  </span>
                )}
                {conversation.unreadCount > 0 && (
                  <span className="badge" data-testid="unread-badge" aria-label={`${conversation.unreadCount} unread`}>
                    {conversation.unreadCount}
                  </span>
                )}
              </span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}

import type { MessageFieldsFragment } from '../../../src/client/graphql';
import { isPending } from '../live/cache-updates';

export type DeliveryStatus = 'pending' | 'sent' | 'read';

function statusOf(message: MessageFieldsFragment): DeliveryStatus {
  if (isPending(message)) return 'pending';
  return message.isRead ? 'read' : 'sent';
}

const TICKS: Record<DeliveryStatus, string> = { pending: '🕓', sent: '✓', read: '✓✓' };

export function MessageBubble(props: { message: MessageFieldsFragment; mine: boolean; onDelete: () => void }) {
  const { message, mine } = props;
  const status = statusOf(message);
  return (
    <li
      className={mine ? 'message mine' : 'message theirs'}
      data-testid="message"
      data-id={message.id}
      data-status={mine ? status : undefined}
    >
      <div className="bubble">
        {message.messageType !== 'TEXT' && message.attachmentUrl && (
          <a href={message.attachmentUrl} target="_blank" rel="noreferrer noopener" className="attachment">
            {message.messageType === 'IMAGE' ? '🖼' : '📎'} attachment
          </a>
        )}
        <span className="message-text">{message.message}</span>
        <span className="message-meta">
          {new Date(message.createdAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}
          {mine && (
            <span className={`ticks ${status}`} aria-label={status} title={status}>
              {TICKS[status]}
            </span>
          )}
        </span>
      </div>
      {mine && status !== 'pending' && (
        <button type="button" className="delete" aria-label="Delete message" onClick={props.onDelete}>
          Delete
        </button>
      )}
    </li>
  );
}

import type { MessageFieldsFragment } from '../../../src/client/graphql';
import { isPending } from '../live/cache-updates';

export type DeliveryStatus = 'pending' | 'sent' | 'read';

function statusOf(message: MessageFieldsFragment): DeliveryStatus {
  if (isPending(message)) return 'pending';
  return message.isRead || (message.readByCount ?? 0) > 0 ? 'read' : 'sent';
}

const TICKS: Record<DeliveryStatus, string> = { pending: '🕓', sent: '✓', read: '✓✓' };

/** A group's membership or title change, in words (names from the members the view knows). */
export function describeChange(
  event: NonNullable<MessageFieldsFragment['systemEvent']>,
  names: ReadonlyMap<string, string>,
): string {
  const name = (userId: string) => names.get(userId) ?? 'someone';
  const actor = name(event.actorId);
  const people = event.userIds.map(name).join(', ');
  switch (event.type) {
    case 'CREATED':
      return `${actor} created the group “${event.title ?? ''}”`;
    case 'MEMBERS_ADDED':
      return `${actor} added ${people}`;
    case 'MEMBER_REMOVED':
      return `${actor} removed ${people}`;
    case 'MEMBER_LEFT':
      return `${people} left`;
    case 'UPDATED':
      return `${actor} renamed the group to “${event.title ?? ''}”`;
    case 'ROLE_CHANGED':
      return `${actor} made ${people} ${(event.role ?? 'MEMBER').toLowerCase()}`;
  }
}

export function MessageBubble(props: {
  message: MessageFieldsFragment;
  mine: boolean;
  /** In a group: senders are named, and "read by N" replaces the ticks' second mark. */
  group: boolean;
  names: ReadonlyMap<string, string>;
  onDelete: () => void;
}) {
  const { message, mine, group } = props;
  if (message.systemEvent) {
    return (
      <li className="message system" data-testid="system-message" data-id={message.id}>
        {describeChange(message.systemEvent, props.names)}
      </li>
    );
  }
  const status = statusOf(message);
  return (
    <li
      className={mine ? 'message mine' : 'message theirs'}
      data-testid="message"
      data-id={message.id}
      data-status={mine ? status : undefined}
    >
      <div className="bubble">
        {group && !mine && (
          <span className="sender">{message.sender?.name ?? props.names.get(message.senderId) ?? 'someone'}</span>
        )}
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
          {mine && group && message.readByCount !== null && status !== 'pending' && (
            <span className="read-by" data-testid="read-by">
              read by {message.readByCount}
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

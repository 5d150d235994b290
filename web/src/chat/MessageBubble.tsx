import { useLazyQuery, useMutation } from '@apollo/client/react';
import { useState } from 'react';
import {
  EditMessageDocument,
  MessageHistoryDocument,
  PinMessageDocument,
  UnpinMessageDocument,
  type MessageFieldsFragment,
} from '../../../src/client/graphql';
import { isPending } from '../live/cache-updates';
import { Attachments } from './attachments';
import { Markdown } from './Markdown';
import { Reactions } from './Reactions';

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

/** The message a reply quotes: its sender and the start of its text (or that it was deleted). */
function Quote(props: { quoted: QuotedMessage | null; names: ReadonlyMap<string, string> }) {
  const { quoted } = props;
  if (!quoted) return <blockquote className="quote">Original message</blockquote>;
  return (
    <blockquote className="quote" data-testid="quote">
      <span className="sender">{props.names.get(quoted.senderId) ?? 'someone'}</span>{' '}
      {quoted.deleted ? <em>deleted message</em> : quoted.message.slice(0, 140)}
    </blockquote>
  );
}

export interface QuotedMessage {
  readonly senderId: string;
  readonly message: string;
  readonly deleted: boolean;
}

/** "edited": the earlier versions, asked for when clicked. */
function EditedMark(props: { messageId: string }) {
  const [load, history] = useLazyQuery(MessageHistoryDocument, { fetchPolicy: 'network-only' });
  const [open, setOpen] = useState(false);
  const edits = history.data?.message.edits ?? [];
  return (
    <span className="edited">
      <button
        type="button"
        className="link"
        data-testid="edited"
        onClick={() => {
          setOpen(!open);
          if (!open) void load({ variables: { messageId: props.messageId } });
        }}
      >
        edited
      </button>
      {open && (
        <ol className="edit-history" data-testid="edit-history">
          {edits.map((edit) => (
            <li key={edit.editedAt}>
              <time>{new Date(edit.editedAt).toLocaleString()}</time> {edit.message}
            </li>
          ))}
        </ol>
      )}
    </span>
  );
}

export function MessageBubble(props: {
  message: MessageFieldsFragment;
  mine: boolean;
  /** In a group: senders are named, and "read by N" replaces the ticks' second mark. */
  group: boolean;
  names: ReadonlyMap<string, string>;
  /** The caller may pin and unpin (everyone in a DIRECT conversation; owner and admins in a group). */
  canPin: boolean;
  /** What this message replies to, when it does and the client knows it. */
  quoted?: QuotedMessage | null;
  onDelete: () => void;
  onReply: () => void;
  onOpenThread: () => void;
  /** In a group: I block its sender, so it shows collapsed until asked for. */
  senderBlocked?: boolean;
}) {
  const { message, mine, group } = props;
  const [revealed, setRevealed] = useState(false);
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(message.message);
  const [edit] = useMutation(EditMessageDocument);
  const [pin] = useMutation(PinMessageDocument);
  const [unpin] = useMutation(UnpinMessageDocument);
  if (message.systemEvent) {
    return (
      <li className="message system" data-testid="system-message" data-id={message.id}>
        {describeChange(message.systemEvent, props.names)}
      </li>
    );
  }
  if (props.senderBlocked && !revealed) {
    return (
      <li className="message theirs hidden-blocked" data-testid="hidden-message" data-id={message.id}>
        <span className="bubble">
          Message from someone you blocked{' '}
          <button type="button" onClick={() => setRevealed(true)}>
            Show
          </button>
        </span>
      </li>
    );
  }
  const status = statusOf(message);
  const pending = status === 'pending';
  const fail = (what: string) => (reason: unknown) =>
    window.alert(`Could not ${what}: ${reason instanceof Error ? reason.message : reason}`);
  const saveEdit = () => {
    setEditing(false);
    if (draft.trim() === '' || draft === message.message) return;
    edit({ variables: { messageId: message.id, message: draft } }).catch(fail('edit'));
  };
  const mentioned = message.mentionedUserIds.length > 0;
  return (
    <li
      className={`${mine ? 'message mine' : 'message theirs'}${message.pinnedAt ? ' pinned' : ''}${mentioned ? ' mentions' : ''}`}
      data-testid="message"
      data-id={message.id}
      data-status={mine ? status : undefined}
    >
      <div className="bubble">
        {group && !mine && (
          <span className="sender">{message.sender?.name ?? props.names.get(message.senderId) ?? 'someone'}</span>
        )}
        {message.replyToId && <Quote quoted={props.quoted ?? null} names={props.names} />}
        <Attachments attachments={message.attachments} />
        {message.messageType !== 'TEXT' && message.attachmentUrl && message.attachments.length === 0 && (
          <a href={message.attachmentUrl} target="_blank" rel="noreferrer noopener" className="attachment">
            {message.messageType === 'IMAGE' ? '🖼' : '📎'} attachment
          </a>
        )}
        {editing ? (
          <form
            className="edit-form"
            onSubmit={(event) => {
              event.preventDefault();
              saveEdit();
            }}
          >
            <textarea aria-label="Edit message" value={draft} onChange={(event) => setDraft(event.target.value)} />
            <button type="submit">Save</button>
            <button type="button" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </form>
        ) : (
          <span className="message-text">
            <Markdown text={message.message} />
          </span>
        )}
        <span className="message-meta">
          {message.pinnedAt && (
            <span className="pin-mark" data-testid="pinned" title="Pinned">
              📌
            </span>
          )}
          {message.editedAt && <EditedMark messageId={message.id} />}
          {new Date(message.createdAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}
          {mine && (
            <span className={`ticks ${status}`} aria-label={status} title={status}>
              {TICKS[status]}
            </span>
          )}
          {mine && group && message.readByCount !== null && !pending && (
            <span className="read-by" data-testid="read-by">
              read by {message.readByCount}
            </span>
          )}
        </span>
        {!pending && <Reactions message={message} names={props.names} />}
      </div>
      {!pending && (
        <span className="actions">
          <button type="button" onClick={props.onReply}>
            Reply
          </button>
          <button type="button" onClick={props.onOpenThread}>
            Thread
          </button>
          {props.canPin && (
            <button
              type="button"
              onClick={() =>
                void (message.pinnedAt ? unpin : pin)({ variables: { messageId: message.id } }).catch(fail('pin'))
              }
            >
              {message.pinnedAt ? 'Unpin' : 'Pin'}
            </button>
          )}
          {mine && (
            <button
              type="button"
              onClick={() => {
                setDraft(message.message);
                setEditing(true);
              }}
            >
              Edit
            </button>
          )}
          {mine && (
            <button type="button" className="delete" aria-label="Delete message" onClick={props.onDelete}>
              Delete
            </button>
          )}
        </span>
      )}
    </li>
  );
}

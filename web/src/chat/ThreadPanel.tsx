import { useQuery } from '@apollo/client/react';
import { useEffect } from 'react';
import { RepliesDocument, type MessageFieldsFragment } from '../../../src/client/graphql';
import { MAX_PAGE_SIZE } from '../../../src/domain/limits';
import { Composer, type Mentionable } from './Composer';
import { Markdown } from './Markdown';
import type { SendExtras } from './useSendMessage';

/**
 * A message and its replies (a thread: replies to replies are quoted in the conversation, not
 * nested here). Replying here sends in the conversation with `replyToId`; the list is asked again
 * whenever the conversation's messages change (a reply arriving live).
 */
export function ThreadPanel(props: {
  root: MessageFieldsFragment;
  names: ReadonlyMap<string, string>;
  members: readonly Mentionable[];
  /** Bumps when the conversation's messages change, so the replies are asked again. */
  version: number;
  onSend: (text: string, extras: SendExtras) => void;
  onClose: () => void;
}) {
  const { root } = props;
  const { data, error, refetch } = useQuery(RepliesDocument, {
    variables: { messageId: root.id, first: MAX_PAGE_SIZE },
    fetchPolicy: 'network-only',
  });
  useEffect(() => {
    if (props.version > 0) void refetch().catch(() => undefined);
  }, [props.version, refetch]);
  const replies = data?.replies.nodes ?? [];
  const name = (userId: string) => props.names.get(userId) ?? 'someone';
  return (
    <aside className="thread" aria-label="Thread" data-testid="thread">
      <header>
        <h3>Thread</h3>
        <button type="button" aria-label="Close thread" onClick={props.onClose}>
          ✕
        </button>
      </header>
      <div className="thread-root">
        <span className="sender">{name(root.senderId)}</span>
        <Markdown text={root.message} />
      </div>
      <p className="reply-count" data-testid="reply-count">
        {replies.length} {replies.length === 1 ? 'reply' : 'replies'}
      </p>
      {error && <p className="error">Could not load replies: {error.message}</p>}
      <ol className="replies">
        {replies.map((reply) => (
          <li key={reply.id} data-testid="thread-reply">
            <span className="sender">{name(reply.senderId)}</span>
            <Markdown text={reply.message} />
          </li>
        ))}
      </ol>
      <Composer
        conversationId={root.conversationId}
        members={props.members}
        replyTo={null}
        onCancelReply={() => undefined}
        onSend={(text, extras) => props.onSend(text, { ...extras, replyToId: root.id })}
        label="Reply in thread"
      />
    </aside>
  );
}

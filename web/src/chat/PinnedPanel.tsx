import { useQuery } from '@apollo/client/react';
import { useEffect } from 'react';
import { PinnedMessagesDocument } from '../../../src/client/graphql';
import { Markdown } from './Markdown';

/** The conversation's pinned messages, oldest pin first; asked again when pins change (`version`). */
export function PinnedPanel(props: { conversationId: string; names: ReadonlyMap<string, string>; version: string }) {
  const { data, error, refetch } = useQuery(PinnedMessagesDocument, {
    variables: { conversationId: props.conversationId },
    fetchPolicy: 'network-only',
  });
  useEffect(() => {
    void refetch().catch(() => undefined);
  }, [props.version, refetch]);
  const pins = data?.conversation.pinnedMessages ?? [];
  return (
    <aside className="pinned" aria-label="Pinned messages" data-testid="pinned-panel">
      {error && <p className="error">Could not load pinned messages: {error.message}</p>}
      {pins.length === 0 && !error && <p>Nothing pinned yet.</p>}
      <ol>
        {pins.map((pin) => (
          <li key={pin.id} data-testid="pinned-message">
            <span className="sender">{props.names.get(pin.senderId) ?? 'someone'}</span>
            <Markdown text={pin.message} />
          </li>
        ))}
      </ol>
    </aside>
  );
}

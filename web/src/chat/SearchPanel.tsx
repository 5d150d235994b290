import { useQuery } from '@apollo/client/react';
import { useState } from 'react';
import { SearchMessagesDocument } from '../../../src/client/graphql';
import { MAX_SEARCH_LENGTH } from '../../../src/domain/limits';
import { useDebouncedQuery } from './useDebounced';

/** Literal search over my messages (the server escapes regex characters); a hit opens its chat at that message. */
export function SearchPanel(props: { onOpen: (conversationId: string, messageId: string) => void }) {
  const [input, setInput] = useState('');
  const query = useDebouncedQuery(input);
  const { data, loading, error } = useQuery(SearchMessagesDocument, {
    variables: { query, limit: 20 },
    skip: query === '',
    fetchPolicy: 'network-only',
  });

  return (
    <div className="search">
      <input
        type="search"
        aria-label="Search messages"
        placeholder="Search messages"
        value={input}
        maxLength={MAX_SEARCH_LENGTH}
        onChange={(event) => setInput(event.target.value)}
      />
      {query !== '' && (
        <ul className="search-results" data-testid="search-results">
          {loading && <li className="muted">Searching…</li>}
          {error && <li className="error">{error.message}</li>}
          {data?.searchMessages.length === 0 && <li className="muted">No messages match “{query}”.</li>}
          {data?.searchMessages.map((message) => (
            <li key={message.id}>
              <button
                type="button"
                onClick={() => {
                  props.onOpen(message.conversationId, message.id);
                  setInput('');
                }}
              >
                <strong>{message.sender?.name ?? message.senderId}:</strong> {message.message}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

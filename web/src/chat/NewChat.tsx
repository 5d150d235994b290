import { useMutation, useQuery } from '@apollo/client/react';
import { useState } from 'react';
import { ConversationsDocument, DirectoryDocument, StartChatDocument } from '../../../src/client/graphql';
import { MAX_DIRECTORY_QUERY_LENGTH } from '../../../src/domain/limits';
import { useDebouncedQuery } from './useDebounced';

/** People offered at once; more typing narrows them. */
const SHOWN = 8;
const USER_ID = /^[0-9a-f]{24}$/i;

/**
 * Starts a chat with someone found in the people directory (`users(search)`: name or email
 * prefix, debounced like message search), or with a user id pasted as it is.
 */
export function NewChat(props: { onStarted: (userId: string) => void }) {
  const [input, setInput] = useState('');
  const search = useDebouncedQuery(input);
  const people = useQuery(DirectoryDocument, {
    variables: { search, first: SHOWN },
    skip: search === '',
    fetchPolicy: 'network-only',
  });
  const [startChat, started] = useMutation(StartChatDocument, {
    refetchQueries: [ConversationsDocument],
    awaitRefetchQueries: true,
  });
  const start = async (targetUserId: string) => {
    const result = await startChat({ variables: { targetUserId } }).catch(() => null);
    if (!result?.data) return;
    setInput('');
    props.onStarted(targetUserId);
  };
  const pastedId = USER_ID.test(input.trim()) ? input.trim() : null;

  return (
    <div className="new-chat">
      <input
        type="search"
        aria-label="Start a chat: find people"
        placeholder="Start a chat: name or email"
        value={input}
        maxLength={MAX_DIRECTORY_QUERY_LENGTH}
        onChange={(event) => setInput(event.target.value)}
      />
      {(search !== '' || pastedId) && (
        <ul className="search-results" data-testid="people-results">
          {people.loading && <li className="muted">Searching…</li>}
          {people.error && <li className="error">{people.error.message}</li>}
          {people.data?.users.length === 0 && !pastedId && <li className="muted">Nobody matches “{search}”.</li>}
          {people.data?.users.map((user) => (
            <li key={user.id}>
              <button type="button" disabled={started.loading} onClick={() => void start(user.id)}>
                <strong>{user.name ?? user.id}</strong> {user.email && <span className="muted">{user.email}</span>}
              </button>
            </li>
          ))}
          {pastedId && (
            <li>
              <button type="button" disabled={started.loading} onClick={() => void start(pastedId)}>
                Start with user id {pastedId}
              </button>
            </li>
          )}
        </ul>
      )}
      {started.error && <p className="error">{started.error.message}</p>}
    </div>
  );
}

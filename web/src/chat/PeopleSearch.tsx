import { useQuery } from '@apollo/client/react';
import { useState } from 'react';
import { DirectoryDocument } from '../../../src/client/graphql';
import { MAX_DIRECTORY_QUERY_LENGTH } from '../../../src/domain/limits';
import { useDebouncedQuery } from './useDebounced';

/** People offered at once; more typing narrows them. */
const SHOWN = 8;
const USER_ID = /^[0-9a-f]{24}$/i;

export interface Person {
  readonly id: string;
  readonly name: string | null;
}

/**
 * Finds people in the directory (`users(search)`: name or email prefix, debounced) and offers
 * them to pick; a pasted user id is offered as it is. Used to start a chat, create a group and
 * add members.
 */
export function PeopleSearch(props: {
  label: string;
  placeholder: string;
  /** Not offered (already picked, already members). */
  exclude?: ReadonlySet<string>;
  disabled?: boolean;
  onPick: (person: Person) => void;
}) {
  const [input, setInput] = useState('');
  const search = useDebouncedQuery(input);
  const people = useQuery(DirectoryDocument, {
    variables: { search, first: SHOWN },
    skip: search === '',
    fetchPolicy: 'network-only',
  });
  const pick = (person: Person) => {
    setInput('');
    props.onPick(person);
  };
  const pastedId = USER_ID.test(input.trim()) ? input.trim().toLowerCase() : null;
  const offered = (people.data?.users ?? []).filter((user) => !props.exclude?.has(user.id));

  return (
    <div className="people-search">
      <input
        type="search"
        aria-label={props.label}
        placeholder={props.placeholder}
        value={input}
        maxLength={MAX_DIRECTORY_QUERY_LENGTH}
        onChange={(event) => setInput(event.target.value)}
      />
      {(search !== '' || pastedId) && (
        <ul className="search-results" data-testid="people-results">
          {people.loading && <li className="muted">Searching…</li>}
          {people.error && <li className="error">{people.error.message}</li>}
          {people.data && offered.length === 0 && !pastedId && <li className="muted">Nobody matches “{search}”.</li>}
          {offered.map((user) => (
            <li key={user.id}>
              <button type="button" disabled={props.disabled} onClick={() => pick(user)}>
                <strong>{user.name ?? user.id}</strong> {user.email && <span className="muted">{user.email}</span>}
              </button>
            </li>
          ))}
          {pastedId && !props.exclude?.has(pastedId) && (
            <li>
              <button type="button" disabled={props.disabled} onClick={() => pick({ id: pastedId, name: null })}>
                User id {pastedId}
              </button>
            </li>
          )}
        </ul>
      )}
    </div>
  );
}

import { useMutation } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { ConversationsDocument, CreateGroupDocument } from '../../../src/client/graphql';
import { MAX_GROUP_TITLE_LENGTH } from '../../../src/domain/limits';
import { newClientMessageId } from './useSendMessage';
import { PeopleSearch, type Person } from './PeopleSearch';

/**
 * Creates a group: a title and people picked from the directory. One clientRequestId per form,
 * so a retry after a lost answer returns the group the first try created instead of a second one.
 */
export function NewGroup(props: { me: string; onCreated: (conversationId: string) => void }) {
  const [open, setOpen] = useState(false);
  const [title, setTitle] = useState('');
  const [members, setMembers] = useState<Person[]>([]);
  const [requestId, setRequestId] = useState(newClientMessageId);
  const [createGroup, created] = useMutation(CreateGroupDocument, {
    refetchQueries: [ConversationsDocument],
    awaitRefetchQueries: true,
  });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const input = { title: title.trim(), memberIds: members.map((member) => member.id), clientRequestId: requestId };
    const result = await createGroup({ variables: { input } }).catch(() => null);
    if (!result?.data) return;
    setTitle('');
    setMembers([]);
    setRequestId(newClientMessageId());
    setOpen(false);
    props.onCreated(result.data.createGroup.conversationId);
  };

  if (!open) {
    return (
      <button type="button" className="new-group-open" onClick={() => setOpen(true)}>
        New group
      </button>
    );
  }
  return (
    <form className="new-group" aria-label="New group" onSubmit={(event) => void submit(event)}>
      <input
        aria-label="Group title"
        placeholder="Group title"
        value={title}
        maxLength={MAX_GROUP_TITLE_LENGTH}
        onChange={(event) => setTitle(event.target.value)}
      />
      <PeopleSearch
        label="Add people to the group"
        placeholder="Add people: name or email"
        exclude={new Set([props.me, ...members.map((member) => member.id)])}
        onPick={(person) => setMembers((list) => [...list, person])}
      />
      <ul className="chips" aria-label="People in the new group">
        {members.map((member) => (
          <li key={member.id}>
            {member.name ?? member.id}
            <button
              type="button"
              aria-label={`Remove ${member.name ?? member.id}`}
              onClick={() => setMembers((list) => list.filter((other) => other.id !== member.id))}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      <div className="form-actions">
        <button type="submit" disabled={created.loading || title.trim() === '' || members.length === 0}>
          Create group
        </button>
        <button type="button" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
      {created.error && <p className="error">{created.error.message}</p>}
    </form>
  );
}

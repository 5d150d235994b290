import { useMutation } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { ConversationsDocument, StartChatDocument } from '../../../src/client/graphql';
import type { DemoUser } from '../session/session';

/** Starts a chat with a demo user (picker) or any user id (the main app would offer a contact list). */
export function NewChat(props: { me: string; contacts: readonly DemoUser[]; onStarted: (userId: string) => void }) {
  const [target, setTarget] = useState('');
  const [startChat, { loading, error }] = useMutation(StartChatDocument, {
    refetchQueries: [ConversationsDocument],
    awaitRefetchQueries: true,
  });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const targetUserId = target.trim();
    if (!targetUserId) return;
    const result = await startChat({ variables: { targetUserId } }).catch(() => null);
    if (result?.data) {
      setTarget('');
      props.onStarted(targetUserId);
    }
  };
  const others = props.contacts.filter((contact) => contact.id !== props.me);
  return (
    <form className="new-chat" onSubmit={(event) => void submit(event)}>
      <input
        aria-label="Start a chat with (user id)"
        list="demo-contacts"
        placeholder="Start a chat: user id"
        value={target}
        onChange={(event) => setTarget(event.target.value)}
      />
      <datalist id="demo-contacts">
        {others.map((contact) => (
          <option key={contact.id} value={contact.id}>
            {contact.name}
          </option>
        ))}
      </datalist>
      <button type="submit" disabled={loading || target.trim() === ''}>
        Start
      </button>
      {error && <p className="error">{error.message}</p>}
    </form>
  );
}

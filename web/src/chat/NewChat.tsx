import { useMutation } from '@apollo/client/react';
import { ConversationsDocument, StartChatDocument } from '../../../src/client/graphql';
import { PeopleSearch } from './PeopleSearch';

/** Starts a chat with someone found in the people directory (or by a pasted user id). */
export function NewChat(props: { onStarted: (conversationId: string) => void }) {
  const [startChat, started] = useMutation(StartChatDocument, {
    refetchQueries: [ConversationsDocument],
    awaitRefetchQueries: true,
  });
  const start = async (targetUserId: string) => {
    const result = await startChat({ variables: { targetUserId } }).catch(() => null);
    if (result?.data) props.onStarted(result.data.startChat.conversationId);
  };
  return (
    <div className="new-chat">
      <PeopleSearch
        label="Start a chat: find people"
        placeholder="Start a chat: name or email"
        disabled={started.loading}
        onPick={(person) => void start(person.id)}
      />
      {started.error && <p className="error">{started.error.message}</p>}
    </div>
  );
}

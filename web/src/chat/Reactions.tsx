import { useMutation } from '@apollo/client/react';
import { useState } from 'react';
import { AddReactionDocument, RemoveReactionDocument, type MessageFieldsFragment } from '../../../src/client/graphql';

/** What the picker offers; the server takes any single emoji or :short_code:. */
const PICKER = ['👍', '❤️', '😂', '🎉', '😮', '😢'];

/** A message's reactions: chips with counts (pressed when mine, click to toggle) and a picker. */
export function Reactions(props: { message: MessageFieldsFragment; names: ReadonlyMap<string, string> }) {
  const { message } = props;
  const [add] = useMutation(AddReactionDocument);
  const [remove] = useMutation(RemoveReactionDocument);
  const [picking, setPicking] = useState(false);
  const toggle = (emoji: string, mine: boolean) => {
    const variables = { messageId: message.id, emoji };
    const done = mine ? remove({ variables }) : add({ variables });
    done.catch((reason: unknown) =>
      window.alert(`Could not react: ${reason instanceof Error ? reason.message : reason}`),
    );
  };
  return (
    <div className="reactions" data-testid="reactions">
      {message.reactions.map((reaction) => (
        <button
          key={reaction.emoji}
          type="button"
          className={reaction.viewerHasReacted ? 'reaction mine' : 'reaction'}
          aria-pressed={reaction.viewerHasReacted}
          data-testid="reaction"
          data-emoji={reaction.emoji}
          title={reaction.userIds.map((id) => props.names.get(id) ?? 'someone').join(', ')}
          onClick={() => toggle(reaction.emoji, reaction.viewerHasReacted)}
        >
          {reaction.emoji} {reaction.count}
        </button>
      ))}
      <button type="button" className="reaction add" aria-label="Add reaction" onClick={() => setPicking(!picking)}>
        ☺+
      </button>
      {picking && (
        <span className="picker" role="menu">
          {PICKER.map((emoji) => (
            <button
              key={emoji}
              type="button"
              role="menuitem"
              aria-label={`React ${emoji}`}
              onClick={() => {
                setPicking(false);
                const mine = message.reactions.some(
                  (reaction) => reaction.emoji === emoji && reaction.viewerHasReacted,
                );
                toggle(emoji, mine);
              }}
            >
              {emoji}
            </button>
          ))}
        </span>
      )}
    </div>
  );
}

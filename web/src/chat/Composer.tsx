import { useMutation } from '@apollo/client/react';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { SetTypingDocument } from '../../../src/client/graphql';
import { DEFAULT_TYPING_EXPIRY_MS, MAX_MESSAGE_LENGTH } from '../../../src/domain/limits';
import type { SendExtras } from './useSendMessage';

/** Typing is announced at most this often while keys keep coming: well inside the server's expiry. */
const TYPING_REFRESH_MS = DEFAULT_TYPING_EXPIRY_MS / 2.4;
/** After this long without a keystroke the other side is told we stopped. */
const TYPING_IDLE_MS = 3000;

/** Someone the composer can mention. */
export interface Mentionable {
  readonly userId: string;
  readonly name: string;
}

/** The `@word` being typed at the end of the text, if any. */
const MENTION_AT_END = /(^|\s)@([\p{L}\p{N}_.-]*)$/u;

/** The members whose `@Name` is still in the text when it is sent. */
export function mentionsIn(text: string, chosen: readonly Mentionable[]): string[] {
  return [...new Set(chosen.filter((member) => text.includes(`@${member.name}`)).map((member) => member.userId))];
}

export function Composer(props: {
  conversationId: string;
  /** Who `@` offers (the other members). */
  members: readonly Mentionable[];
  /** The message being replied to, shown above the input until sent or cancelled. */
  replyTo: { id: string; label: string } | null;
  onCancelReply: () => void;
  onSend: (text: string, extras: SendExtras) => void;
  /** Placeholder and label, e.g. in a thread. */
  label?: string;
}) {
  const [text, setText] = useState('');
  const [chosen, setChosen] = useState<Mentionable[]>([]);
  const typed = MENTION_AT_END.exec(text);
  const query = typed?.[2]?.toLowerCase() ?? null;
  const suggestions =
    query === null ? [] : props.members.filter((member) => member.name.toLowerCase().startsWith(query)).slice(0, 6);
  const [setTyping] = useMutation(SetTypingDocument);
  const lastAnnounced = useRef(0);
  const idleTimer = useRef<ReturnType<typeof setTimeout>>();

  const announce = (isTyping: boolean) => {
    lastAnnounced.current = isTyping ? Date.now() : 0;
    // Typing is best effort: a lost indicator is not worth an error on screen.
    setTyping({ variables: { conversationId: props.conversationId, isTyping } }).catch(() => undefined);
  };

  const stopTyping = () => {
    clearTimeout(idleTimer.current);
    if (lastAnnounced.current !== 0) announce(false);
  };

  // Leaving the conversation (or the page) ends the typing indicator we started.
  const stopOnLeave = useRef(stopTyping);
  stopOnLeave.current = stopTyping;
  useEffect(() => () => stopOnLeave.current(), [props.conversationId]);

  const onChange = (value: string) => {
    setText(value);
    if (value.trim() === '') return stopTyping();
    if (Date.now() - lastAnnounced.current > TYPING_REFRESH_MS) announce(true);
    clearTimeout(idleTimer.current);
    idleTimer.current = setTimeout(stopTyping, TYPING_IDLE_MS);
  };

  const choose = (member: Mentionable) => {
    onChange(text.replace(MENTION_AT_END, (_all, space: string) => `${space}@${member.name} `));
    setChosen((list) => [...list.filter((other) => other.userId !== member.userId), member]);
  };

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    const message = text.trim();
    if (!message) return;
    stopTyping();
    setText('');
    setChosen([]);
    props.onSend(message, { replyToId: props.replyTo?.id ?? null, mentionedUserIds: mentionsIn(message, chosen) });
  };

  return (
    <form className="composer" onSubmit={submit}>
      {props.replyTo && (
        <div className="replying" data-testid="replying">
          Replying to {props.replyTo.label}
          <button type="button" aria-label="Cancel reply" onClick={props.onCancelReply}>
            ✕
          </button>
        </div>
      )}
      {suggestions.length > 0 && (
        <ul className="mentions" role="listbox" aria-label="Mention someone">
          {suggestions.map((member) => (
            <li key={member.userId}>
              <button type="button" role="option" aria-selected={false} onClick={() => choose(member)}>
                @{member.name}
              </button>
            </li>
          ))}
        </ul>
      )}
      <textarea
        aria-label={props.label ?? 'Message'}
        placeholder={`${props.label ?? 'Write a message'} (Markdown; Enter sends, Shift+Enter for a new line)`}
        value={text}
        rows={1}
        maxLength={MAX_MESSAGE_LENGTH}
        onChange={(event) => onChange(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter' && !event.shiftKey) {
            event.preventDefault();
            submit();
          }
        }}
        onBlur={stopTyping}
      />
      <button type="submit" disabled={text.trim() === ''}>
        Send
      </button>
    </form>
  );
}

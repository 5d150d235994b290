import { useMutation } from '@apollo/client/react';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { SetTypingDocument } from '../../../src/client/graphql';
import { DEFAULT_TYPING_EXPIRY_MS, MAX_MESSAGE_LENGTH } from '../../../src/domain/limits';

/** Typing is announced at most this often while keys keep coming: well inside the server's expiry. */
const TYPING_REFRESH_MS = DEFAULT_TYPING_EXPIRY_MS / 2.4;
/** After this long without a keystroke the other side is told we stopped. */
const TYPING_IDLE_MS = 3000;

export function Composer(props: { conversationId: string; onSend: (text: string) => void }) {
  const [text, setText] = useState('');
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

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const message = text.trim();
    if (!message) return;
    stopTyping();
    setText('');
    props.onSend(message);
  };

  return (
    <form className="composer" onSubmit={submit}>
      <input
        aria-label="Message"
        placeholder="Write a message"
        value={text}
        maxLength={MAX_MESSAGE_LENGTH}
        onChange={(event) => onChange(event.target.value)}
        onBlur={stopTyping}
      />
      <button type="submit" disabled={text.trim() === ''}>
        Send
      </button>
    </form>
  );
}

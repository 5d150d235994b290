import { useMutation } from '@apollo/client/react';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { SetTypingDocument } from '../../../src/client/graphql';
import { DEFAULT_TYPING_EXPIRY_MS, MAX_MESSAGE_LENGTH } from '../../../src/domain/limits';
import { uploadFile, type Uploaded } from './attachments';
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

/** A file being uploaded from the composer, then waiting to be sent. */
interface Draft {
  readonly key: string;
  readonly name: string;
  readonly progress: number;
  readonly uploaded: Uploaded | null;
  readonly error: string | null;
}

/** `datetime-local` wants local time without a zone (seconds included: the input has step 1). */
function localInputValue(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  return `${day}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

export function Composer(props: {
  conversationId: string;
  /** Who `@` offers (the other members). */
  members: readonly Mentionable[];
  /** The message being replied to, shown above the input until sent or cancelled. */
  replyTo: { id: string; label: string } | null;
  onCancelReply: () => void;
  onSend: (text: string, extras: SendExtras) => void;
  /** "Send later" (absent: the composer offers only sending now, e.g. in a thread). */
  onSchedule?: (text: string, extras: SendExtras, sendAt: Date) => Promise<void>;
  /** Placeholder and label, e.g. in a thread. */
  label?: string;
}) {
  const [text, setText] = useState('');
  const [drafts, setDrafts] = useState<Draft[]>([]);
  const [later, setLater] = useState<string | null>(null);
  const [scheduleError, setScheduleError] = useState<string | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const uploading = drafts.some((draft) => !draft.uploaded && !draft.error);
  const ready = drafts.flatMap((draft) => (draft.uploaded ? [draft.uploaded] : []));
  const canSend = !uploading && (text.trim() !== '' || ready.length > 0);

  const attach = (files: Iterable<File>) => {
    for (const file of files) {
      const key = `${Date.now()}-${Math.random()}`;
      const patch = (change: Partial<Draft>) =>
        setDrafts((list) => list.map((draft) => (draft.key === key ? { ...draft, ...change } : draft)));
      setDrafts((list) => [...list, { key, name: file.name, progress: 0, uploaded: null, error: null }]);
      uploadFile(file, (progress) => patch({ progress })).then(
        (uploaded) => patch({ uploaded, progress: 1 }),
        (error: unknown) => patch({ error: error instanceof Error ? error.message : String(error) }),
      );
    }
  };
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

  const extras = (message: string): SendExtras => ({
    replyToId: props.replyTo?.id ?? null,
    mentionedUserIds: mentionsIn(message, chosen),
    attachments: ready,
  });
  const clear = () => {
    stopTyping();
    setText('');
    setChosen([]);
    setDrafts([]);
  };

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    const message = text.trim();
    if (!canSend) return;
    const sent = extras(message);
    clear();
    props.onSend(message, sent);
  };

  const schedule = async () => {
    if (!props.onSchedule || later === null || !canSend) return;
    const message = text.trim();
    try {
      await props.onSchedule(message, extras(message), new Date(later));
      clear();
      setLater(null);
      setScheduleError(null);
    } catch (error) {
      setScheduleError(error instanceof Error ? error.message : String(error));
    }
  };

  return (
    <form
      className="composer"
      onSubmit={submit}
      onDragOver={(event) => event.preventDefault()}
      onDrop={(event) => {
        event.preventDefault();
        attach(event.dataTransfer.files);
      }}
    >
      {drafts.length > 0 && (
        <ul className="drafts" aria-label="Attachments">
          {drafts.map((draft) => (
            <li key={draft.key} data-testid="draft-attachment">
              <span>{draft.name}</span>
              {draft.error ? (
                <span className="error">{draft.error}</span>
              ) : (
                <progress aria-label={`Uploading ${draft.name}`} value={draft.progress} max={1} />
              )}
              <button
                type="button"
                aria-label={`Remove ${draft.name}`}
                onClick={() => setDrafts((list) => list.filter((other) => other.key !== draft.key))}
              >
                ✕
              </button>
            </li>
          ))}
        </ul>
      )}
      {later !== null && (
        <div className="send-later">
          <label>
            Send at{' '}
            <input
              type="datetime-local"
              aria-label="Send at"
              value={later}
              step={1}
              min={localInputValue(new Date())}
              onChange={(event) => setLater(event.target.value)}
            />
          </label>
          <button type="button" disabled={!canSend} onClick={() => void schedule()}>
            Schedule
          </button>
          <button type="button" onClick={() => setLater(null)}>
            Cancel
          </button>
          {scheduleError && <span className="error">{scheduleError}</span>}
        </div>
      )}
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
      <input
        ref={fileInput}
        type="file"
        multiple
        hidden
        aria-label="Attach files"
        onChange={(event) => {
          attach(event.target.files ?? []);
          event.target.value = '';
        }}
      />
      <button type="button" aria-label="Attach" title="Attach files" onClick={() => fileInput.current?.click()}>
        📎
      </button>
      {props.onSchedule && (
        <button
          type="button"
          aria-label="Send later"
          title="Send later"
          onClick={() => setLater(localInputValue(new Date(Date.now() + 10 * 60_000)))}
        >
          ⏰
        </button>
      )}
      <button type="submit" disabled={!canSend}>
        Send
      </button>
    </form>
  );
}

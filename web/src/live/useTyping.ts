import { useSubscription } from '@apollo/client/react';
import { useEffect, useRef, useState } from 'react';
import { TypingDocument } from '../../../src/client/graphql';

/** The server expires typing after 6 s without a refresh; the client does the same on its side. */
const TYPING_TTL_MS = 6000;

/** Who is typing to me right now (user ids). */
export function useTyping(): ReadonlySet<string> {
  const [typing, setTyping] = useState<ReadonlySet<string>>(new Set());
  const timers = useRef(new Map<string, ReturnType<typeof setTimeout>>());

  const update = (userId: string, isTyping: boolean) => {
    clearTimeout(timers.current.get(userId));
    timers.current.delete(userId);
    if (isTyping)
      timers.current.set(
        userId,
        setTimeout(() => update(userId, false), TYPING_TTL_MS),
      );
    setTyping((current) => {
      if (current.has(userId) === isTyping) return current;
      const next = new Set(current);
      if (isTyping) next.add(userId);
      else next.delete(userId);
      return next;
    });
  };

  useSubscription(TypingDocument, {
    onData: ({ data }) => data.data && update(data.data.typing.userId, data.data.typing.isTyping),
  });
  useEffect(() => () => timers.current.forEach((timer) => clearTimeout(timer)), []);
  return typing;
}

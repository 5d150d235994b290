import { useSubscription } from '@apollo/client/react';
import { useEffect, useRef, useState } from 'react';
import { TypingDocument } from '../../../src/client/graphql';

/** The server expires typing after 6 s without a refresh; the client does the same on its side. */
const TYPING_TTL_MS = 6000;

/** Who is typing where: user ids by conversation id (DIRECT and groups alike). */
export type TypingState = ReadonlyMap<string, ReadonlySet<string>>;

/** Who is typing to me right now, in each of my conversations. */
export function useTyping(): TypingState {
  const [typing, setTyping] = useState<TypingState>(new Map());
  const timers = useRef(new Map<string, ReturnType<typeof setTimeout>>());

  const update = (conversationId: string, userId: string, isTyping: boolean) => {
    const key = `${conversationId}|${userId}`;
    clearTimeout(timers.current.get(key));
    timers.current.delete(key);
    if (isTyping)
      timers.current.set(
        key,
        setTimeout(() => update(conversationId, userId, false), TYPING_TTL_MS),
      );
    setTyping((current) => {
      const users = current.get(conversationId) ?? new Set<string>();
      if (users.has(userId) === isTyping) return current;
      const nextUsers = new Set(users);
      if (isTyping) nextUsers.add(userId);
      else nextUsers.delete(userId);
      return new Map(current).set(conversationId, nextUsers);
    });
  };

  useSubscription(TypingDocument, {
    onData: ({ data }) => {
      const event = data.data?.typing;
      if (event) update(event.conversationId, event.userId, event.isTyping);
    },
  });
  useEffect(() => () => timers.current.forEach((timer) => clearTimeout(timer)), []);
  return typing;
}

import { useEffect, useState } from 'react';

/** How long typing must pause before a search box asks the server. */
export const SEARCH_DEBOUNCE_MS = 300;

/** `value`, trimmed, once it has stayed the same for `delayMs` (a search box's query). */
export function useDebouncedQuery(value: string, delayMs = SEARCH_DEBOUNCE_MS): string {
  const [settled, setSettled] = useState(value.trim());
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value.trim()), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}

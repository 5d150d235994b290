import { CloseCode } from 'graphql-ws';
import type { WebSocket } from 'ws';

/** Longest delay setTimeout takes (~24.8 days); later expiries are reached in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Closes the socket with 4403 when its token expires; the client reconnects with a fresh token
 * and resumes. Returns a handle whose `cancel` stops the countdown.
 */
export function scheduleExpiry(socket: WebSocket, expiresAt: Date | null): { cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    if (!expiresAt) return;
    const remaining = Math.max(0, expiresAt.getTime() - Date.now());
    timer = setTimeout(
      () =>
        remaining > MAX_TIMER_MS
          ? arm()
          : socket.close(CloseCode.Forbidden, 'Token expired: reconnect with a new token'),
      Math.min(remaining, MAX_TIMER_MS),
    );
    timer.unref();
  };
  arm();
  return { cancel: () => clearTimeout(timer) };
}

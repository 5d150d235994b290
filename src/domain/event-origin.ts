import type { ChatEvent } from './events';

const origins = new WeakMap<object, ChatEvent>();

/**
 * Records that `value` is what the live `event` comes to for a subscriber, and returns it. Every
 * subscriber of one Redis topic on a process receives the very same event object, so the WS
 * service can execute an operation once per event and send the same bytes to every socket that
 * asked for it (ws/shared-execution.ts). Replayed values (read from the database) carry no origin
 * and are executed for their own subscriber.
 */
export function derivedFrom<T>(value: T, event: ChatEvent): T {
  if (typeof value === 'object' && value !== null) origins.set(value, event);
  return value;
}

/** The live event `value` was derived from, if any. */
export function originOf(value: unknown): ChatEvent | undefined {
  return typeof value === 'object' && value !== null ? origins.get(value) : undefined;
}

import type { ChatEvent } from './events';

/** The live event a subscriber's value came from, and what of it is that subscriber's own. */
export interface EventOrigin {
  readonly event: ChatEvent;
  /** The value's `cursor` is the subscriber's own place in its stream; all else is the event's. */
  readonly ownCursor: boolean;
}

const origins = new WeakMap<object, EventOrigin>();

/**
 * Records that `value` is what the live `event` comes to for a subscriber, and returns it. Every
 * subscriber of one Redis topic on a process receives the very same event object, so the WS
 * service can execute an operation once per event and send the same bytes to every socket that
 * asked for it (ws/shared-execution.ts). With `ownCursor`, the value's `cursor` differs per
 * subscriber and is written into each one's copy. Replayed values (read from the database) carry
 * no origin and are executed for their own subscriber.
 */
export function derivedFrom<T>(value: T, event: ChatEvent, options: { ownCursor?: boolean } = {}): T {
  if (typeof value === 'object' && value !== null) origins.set(value, { event, ownCursor: options.ownCursor ?? false });
  return value;
}

/** Where `value` came from, if it is derived from a live event. */
export function originOf(value: unknown): EventOrigin | undefined {
  return typeof value === 'object' && value !== null ? origins.get(value) : undefined;
}

import type { ConversationId, UserId } from './ids';
import type { MessagePayload } from './message/message.events';

/**
 * Everything the service layer announces. A discriminated union, so routing (pubsub/topics.ts)
 * cannot forget a kind: its switch ends in an exhaustiveness check.
 */
export type ChatEvent = { readonly kind: 'MESSAGE_CREATED'; readonly message: MessagePayload };

/** Where events go once their data is stored. Implemented over Redis in pubsub/. */
export interface EventPublisher {
  /** Best effort: resolves even when the broker is down (clients resume from MongoDB). */
  publish(event: ChatEvent): Promise<void>;
}

/** A live feed of events: iterate `events`; `ready` resolves once the broker confirmed the subscription. */
export interface LiveEvents {
  readonly events: AsyncIterableIterator<ChatEvent>;
  readonly ready: Promise<void>;
}

/** Opens live feeds scoped by audience, so a node only receives events its clients want. */
export interface EventSubscriber {
  /** Every event addressed to this user, on all their devices. */
  forUser(userId: UserId): LiveEvents;
  /** Every event of one conversation. */
  forConversation(conversationId: ConversationId): LiveEvents;
}

export function assertNever(value: never): never {
  throw new Error(`Unhandled case: ${JSON.stringify(value)}`);
}

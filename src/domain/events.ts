import type { ConversationId, UserId } from './ids';
import type { MessagePayload } from './message/message.events';

export type PresenceType = 'USER_ONLINE' | 'USER_OFFLINE';

/**
 * Everything the service layer announces, JSON-safe (ids and ISO date strings). A discriminated
 * union, so routing (pubsub/topics.ts) cannot forget a kind: its switch ends in an
 * exhaustiveness check.
 */
export type ChatEvent =
  | { readonly kind: 'MESSAGE_CREATED'; readonly message: MessagePayload }
  | {
      readonly kind: 'MESSAGES_READ';
      readonly conversationId: ConversationId;
      readonly messageIds: readonly string[];
      readonly readAt: string;
      readonly readerId: UserId;
      /** The other participant: the one whose messages were read. */
      readonly senderId: UserId;
    }
  | {
      readonly kind: 'MESSAGE_DELETED';
      readonly conversationId: ConversationId;
      readonly messageId: string;
      readonly seq: number;
      readonly deletedBy: UserId;
      readonly otherUserId: UserId;
      readonly deletedAt: string;
    }
  | {
      readonly kind: 'CHAT_STARTED';
      readonly conversationId: ConversationId;
      readonly initiatorId: UserId;
      readonly targetId: UserId;
    }
  | {
      readonly kind: 'CHAT_ENDED';
      readonly conversationId: ConversationId;
      readonly userId: UserId;
      readonly otherUserId: UserId;
    }
  | {
      readonly kind: 'TYPING';
      readonly conversationId: ConversationId;
      readonly userId: UserId;
      readonly targetUserId: UserId;
      readonly isTyping: boolean;
    }
  | {
      readonly kind: 'USER_STATUS';
      readonly type: PresenceType;
      readonly userId: UserId;
      readonly timestamp: string;
      /** Who hears about it: the users sharing a conversation with `userId`. */
      readonly audience: readonly UserId[];
    };

export type ChatEventKind = ChatEvent['kind'];
export type EventOfKind<K extends ChatEventKind> = Extract<ChatEvent, { kind: K }>;

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

/**
 * An audience to listen to. Per-user feeds carry one kind each; per-conversation feeds exist for
 * subscriptions that name a conversation, so a node receives only what its clients asked for.
 */
export type Feed =
  | { readonly scope: 'user'; readonly userId: UserId; readonly kind: ChatEventKind }
  | {
      readonly scope: 'conversation';
      readonly conversationId: ConversationId;
      readonly kind: 'MESSAGE_CREATED' | 'MESSAGES_READ' | 'MESSAGE_DELETED';
    };

/** Opens live feeds. */
export interface EventSubscriber {
  open(feed: Feed): LiveEvents;
}

export function assertNever(value: never): never {
  throw new Error(`Unhandled case: ${JSON.stringify(value)}`);
}

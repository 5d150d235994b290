import type { ConversationId, UserId } from './ids';
import type { MessagePayload } from './message/message.events';
import type { SystemEvent } from './message/message.types';
import type { MessageChangeType } from './timeline/timeline.types';
import type { JournalEntry } from './timeline/user-journal';

/** A stored message change as it travels through Redis (timeline/timeline.types.ts, MessageChange). */
export interface MessageChangePayload {
  readonly seq: number;
  readonly afterSeq: number;
  readonly type: MessageChangeType;
  readonly actorId: UserId;
  readonly occurredAt: string;
  readonly messageId: string;
  readonly messageSeq: number;
  readonly emoji: string | null;
}

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
      /** DIRECT: the other participant, whose messages were read. Null in a group. */
      readonly senderId: UserId | null;
      /** How far the reader has now read. */
      readonly readSeq: number;
      readonly memberVersion?: number;
    }
  | {
      readonly kind: 'MESSAGE_DELETED';
      readonly conversationId: ConversationId;
      readonly messageId: string;
      readonly seq: number;
      readonly deletedBy: UserId;
      /** DIRECT: the other participant. Null in a group. */
      readonly otherUserId: UserId | null;
      readonly deletedAt: string;
      readonly memberVersion?: number;
    }
  | {
      /** An edit, reaction, delete or pin, with the message as it now is. */
      readonly kind: 'MESSAGE_CHANGED';
      readonly conversationId: ConversationId;
      readonly change: MessageChangePayload;
      readonly message: MessagePayload;
      /** DIRECT: both participants hear it on their own topics. Null in a group. */
      readonly participants: readonly UserId[] | null;
      readonly memberVersion?: number;
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
      /** DIRECT: who is told. Null in a group (every member is). */
      readonly targetUserId: UserId | null;
      readonly isTyping: boolean;
      readonly memberVersion?: number;
    }
  | ({
      readonly kind: 'CONVERSATION_UPDATED';
      readonly conversationId: ConversationId;
      /** The SYSTEM message that records the change. */
      readonly seq: number;
      /** That message's id (absent from instances of the previous version). */
      readonly messageId?: string;
      readonly memberVersion: number;
      readonly occurredAt: string;
    } & SystemEvent)
  | {
      /** An entry stored in `userId`'s journal (timeline/user-journal.ts). */
      readonly kind: 'USER_JOURNAL';
      readonly userId: UserId;
      readonly entry: Omit<JournalEntry, 'occurredAt'> & { readonly occurredAt: string };
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
  /** Every group membership change, for each WS instance to follow its users' groups with one subscription. */
  | { readonly scope: 'all'; readonly kind: 'CONVERSATION_UPDATED' }
  | { readonly scope: 'conversation'; readonly conversationId: ConversationId; readonly kind: ConversationFeedKind };

/** Kinds with a per-conversation topic (a group's events travel only there; see pubsub/topics.ts). */
export type ConversationFeedKind =
  'MESSAGE_CREATED' | 'MESSAGE_CHANGED' | 'MESSAGES_READ' | 'MESSAGE_DELETED' | 'TYPING' | 'CONVERSATION_UPDATED';

/** A live feed whose set of topics changes while it is open (a user's groups come and go). */
export interface DynamicLiveEvents extends LiveEvents {
  /** Adds feeds; resolves once the broker confirmed them. */
  add(feeds: readonly Feed[]): Promise<void>;
  remove(feeds: readonly Feed[]): void;
}

/** Opens live feeds. */
export interface EventSubscriber {
  open(feed: Feed): LiveEvents;
  /** One queue over several feeds, which can be added and removed while it is open. */
  openMany(feeds: readonly Feed[]): DynamicLiveEvents;
}

/** Waits for the broker to confirm the feed; on failure closes it and rethrows. */
export async function confirmed(live: LiveEvents): Promise<void> {
  try {
    await live.ready;
  } catch (error) {
    await live.events.return?.();
    throw error;
  }
}

export function assertNever(value: never): never {
  throw new Error(`Unhandled case: ${JSON.stringify(value)}`);
}

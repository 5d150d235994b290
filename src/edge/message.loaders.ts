import DataLoader from 'dataloader';
import type { ConversationView } from '../domain/conversation/conversation.view';
import type { ConversationId, UserId } from '../domain/ids';
import type { ChatMessage } from '../domain/message/message.types';
import type { Services } from '../domain/services';

/** A message named by its conversation (the shard key) and id. */
export interface MessageKey {
  readonly conversationId: ConversationId;
  readonly id: string;
}

export type MessageLoader = DataLoader<MessageKey, ChatMessage | null, string>;
export type ReplyCountLoader = DataLoader<MessageKey, number, string>;
export type MentionCountLoader = DataLoader<ConversationView, number, ConversationId>;

const keyOf = (key: MessageKey) => `${key.conversationId}|${key.id}`;

/** Groups keys by conversation: each conversation is one query (by its shard key). */
async function perConversation<T>(
  keys: readonly MessageKey[],
  load: (conversationId: ConversationId, ids: string[]) => Promise<Map<string, T>>,
  missing: T,
): Promise<T[]> {
  const byConversation = new Map<ConversationId, string[]>();
  for (const key of keys)
    byConversation.set(key.conversationId, [...(byConversation.get(key.conversationId) ?? []), key.id]);
  const found = new Map<string, T>();
  await Promise.all(
    [...byConversation].map(async ([conversationId, ids]) => {
      for (const [id, value] of await load(conversationId, ids)) found.set(`${conversationId}|${id}`, value);
    }),
  );
  return keys.map((key) => found.get(keyOf(key)) ?? missing);
}

/**
 * Quoted and pinned messages of a response, one query per conversation. Not cached: a WS
 * context lives for hours and messages change (edits, deletes); it only batches.
 */
export function createMessageLoader(services: Services): MessageLoader {
  return new DataLoader(
    (keys) =>
      perConversation<ChatMessage | null>(
        keys,
        async (conversationId, ids) =>
          new Map(
            (await services.messages.inConversation(conversationId, ids)).map((message) => [message.id, message]),
          ),
        null,
      ),
    { cache: false, cacheKeyFn: keyOf },
  );
}

/** `replyCount` of a response's messages, one aggregate per conversation. */
export function createReplyCountLoader(services: Services): ReplyCountLoader {
  return new DataLoader(
    (keys) => perConversation(keys, (conversationId, ids) => services.messages.replyCounts(conversationId, ids), 0),
    { cache: false, cacheKeyFn: keyOf },
  );
}

/** `mentionCount` of a conversation list: one query for all of it. */
export function createMentionCountLoader(services: Services, userId: UserId): MentionCountLoader {
  return new DataLoader(
    async (views) => {
      const counts = await services.messages.mentionCounts(userId, views);
      return views.map((view) => counts.get(view.conversationId) ?? 0);
    },
    { cache: false, cacheKeyFn: (view) => view.conversationId },
  );
}

export type BlockedUsersLoader = DataLoader<UserId, ReadonlySet<UserId>>;

/**
 * Whom a viewer blocks, for `Message.senderBlocked`: one query per response (or per live event),
 * never cached across them, so an unblock shows on the next message.
 */
export function createBlockedUsersLoader(services: Services): BlockedUsersLoader {
  return new DataLoader(
    (viewers) => Promise.all(viewers.map(async (viewer) => new Set(await services.blocks.blockedUserIds(viewer)))),
    { cache: false },
  );
}

import { encodeCursor } from '../../domain/message/message.cursor';
import type { MessageSlice } from '../../domain/message/message.service';
import type { ChatMessage } from '../../domain/message/message.types';

export const cursorOf = (message: ChatMessage): string => encodeCursor(message.conversationId, message.seq);

/** A cursor page of messages as a MessageConnection (history and replies). */
export function connectionOf(slice: MessageSlice) {
  const edges = slice.messages.map((node) => ({ cursor: cursorOf(node), node }));
  return {
    nodes: slice.messages,
    edges,
    pageInfo: {
      hasNextPage: slice.hasNextPage,
      hasPreviousPage: slice.hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

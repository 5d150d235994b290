import DataLoader from 'dataloader';
import type { GroupReadMarks } from '../domain/conversation/conversation.service';
import type { ConversationId } from '../domain/ids';
import type { Services } from '../domain/services';

export type ReceiptsLoader = DataLoader<ConversationId, GroupReadMarks | null>;

/**
 * Read marks of the groups a response's messages belong to: one lookup per group per tick,
 * however many of its messages ask for `readByCount`. Not cached (a WS context lives for hours,
 * and receipts move): it only batches.
 */
export function createReceiptsLoader(services: Services): ReceiptsLoader {
  return new DataLoader(
    async (ids: readonly ConversationId[]) => Promise.all(ids.map((id) => services.conversations.readMarks(id))),
    { cache: false },
  );
}

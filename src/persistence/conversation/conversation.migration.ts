import type { mongo } from 'mongoose';
import type { ConversationDocument } from './conversation.model';

/** Fields of the layout before `state` (2026-12-01), kept at the top level of the document. */
const LEGACY_FIELDS = ['lastSeq', 'fence', 'lastMessage', 'lastMessageTime', 'lastActivityAt', 'members'] as const;

type LegacyConversation = Partial<Record<(typeof LEGACY_FIELDS)[number], unknown>> & { _id: string };

/**
 * Moves conversations stored in the earlier layout (state fields at the top level) into `state`.
 * Runs at start-up, before the service serves; idempotent, and safe when several processes start
 * at once (each document moves once: the filter requires `state` to be missing). Version 0 and
 * the stored fence keep the first write after it ordered above it.
 */
export async function migrateConversationLayout(collection: mongo.Collection<ConversationDocument>): Promise<number> {
  const legacy = collection.find({ state: { $exists: false } } as mongo.Filter<ConversationDocument>);
  let moved = 0;
  for await (const doc of legacy as unknown as AsyncIterable<LegacyConversation>) {
    const lastMessageTime = (doc.lastMessageTime as Date | null | undefined) ?? null;
    const state: ConversationDocument['state'] = {
      fence: (doc.fence as number | undefined) ?? 0,
      version: 0,
      lastSeq: (doc.lastSeq as number | undefined) ?? 0,
      lastActivityAt: (doc.lastActivityAt as Date | undefined) ?? lastMessageTime ?? new Date(0),
      lastMessage: (doc.lastMessage as ConversationDocument['state']['lastMessage'] | undefined) ?? null,
      lastMessageTime,
      members: (doc.members as ConversationDocument['state']['members'] | undefined) ?? {},
    };
    const result = await collection.updateOne(
      { _id: doc._id, state: { $exists: false } } as mongo.Filter<ConversationDocument>,
      {
        $set: { state },
        $unset: Object.fromEntries(LEGACY_FIELDS.map((field) => [field, ''])),
      } as mongo.UpdateFilter<ConversationDocument>,
    );
    moved += result.modifiedCount;
  }
  return moved;
}

import { NO_DETAILS } from '../../src/domain/timeline/user-journal';
import type { ConversationId, UserId } from '../../src/domain/ids';
import { ChatError } from '../../src/domain/errors';
import { inMemoryDomain } from '../fakes/in-memory-ports';

const ALICE = 'a'.repeat(24) as UserId;
const BOB = 'b'.repeat(24) as UserId;
const DIRECT = `${ALICE}_${BOB}` as ConversationId;

/** A userEvents cursor behind the journal entries kept answers RESYNC_REQUIRED, not a silent gap. */
describe('userEvents and the journal entries kept', () => {
  it('replays entries right after the cursor, and refuses a cursor whose next entry was pruned', async () => {
    const domain = inMemoryDomain();
    const read = (readSeq: number) => ({
      ...NO_DETAILS,
      type: 'MESSAGES_READ' as const,
      conversationId: DIRECT,
      actorId: ALICE,
      occurredAt: new Date(),
      readSeq,
    });
    const start = await domain.services.userEvents.startCursor(ALICE);
    for (let i = 1; i <= 3; i += 1) await domain.journals.append(ALICE, read(i));
    const page = await domain.services.userEvents.page(ALICE, start, 10);
    expect(page.events.map((event) => (event.kind === 'journal' ? event.entry.readSeq : null))).toEqual([1, 2, 3]);

    // The first two pruned: the start cursor would now skip them without a word.
    domain.journals.stored.get(ALICE)!.splice(0, 2);
    const refused = await domain.services.userEvents.page(ALICE, start, 10).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ChatError);
    expect((refused as ChatError).code).toBe('RESYNC_REQUIRED');
    // A cursor at or past the oldest kept still works.
    expect((await domain.services.userEvents.page(ALICE, page.events[1]!.cursor, 10)).events).toHaveLength(1);
  });

  it('ends a stream whose replay meets a pruned entry with RESYNC_REQUIRED, closing its feed', async () => {
    const domain = inMemoryDomain();
    const start = await domain.services.userEvents.startCursor(ALICE);
    for (let i = 1; i <= 3; i += 1) {
      await domain.journals.append(ALICE, {
        ...NO_DETAILS,
        type: 'MESSAGES_READ',
        conversationId: DIRECT,
        actorId: ALICE,
        occurredAt: new Date(),
        readSeq: i,
      });
    }
    domain.journals.stored.get(ALICE)!.splice(0, 1);
    // The process's one feed of membership changes stays open; a stream's own must not.
    const opened = await domain.services.userEvents.stream(ALICE, null);
    await opened.return?.();
    const baseline = domain.broker.openFeeds;
    const stream = await domain.services.userEvents.stream(ALICE, start);
    const failure = await stream.next().catch((error: unknown) => error);
    expect((failure as ChatError).code).toBe('RESYNC_REQUIRED');
    expect(domain.broker.openFeeds).toBe(baseline);
  });
});

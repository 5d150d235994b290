import { InMemoryConversations } from '../fakes/in-memory-ports';
import { ConversationAccess } from '../../src/domain/conversation/conversation.access';
import type { UserId } from '../../src/domain/ids';
import type { User, UserRepository } from '../../src/domain/user/user.types';

const ALICE = 'a'.repeat(24) as UserId;
const BOB = 'b'.repeat(24) as UserId;

/** Pure logic: the receiver-exists check every send makes, and how long a yes is trusted. */
describe('ConversationAccess.withUser', () => {
  function setup() {
    const existing = new Set<UserId>([BOB]);
    const lookups: UserId[] = [];
    const users: UserRepository = {
      findById: async (id) => {
        lookups.push(id);
        return existing.has(id) ? ({ id, name: null, email: null } satisfies User) : null;
      },
      findByIds: async () => [],
      searchByPrefix: async () => [],
    };
    let now = 1_000_000;
    const access = new ConversationAccess(users, new InMemoryConversations(), () => now);
    return { access, lookups, existing, advance: (ms: number) => (now += ms) };
  }

  it('asks the users collection once a minute per existing receiver', async () => {
    const { access, lookups, advance } = setup();
    await access.withUser(ALICE, BOB);
    await access.withUser(ALICE, BOB);
    advance(59_000);
    await access.withUser(ALICE, BOB);
    expect(lookups).toEqual([BOB]);
    advance(2_000);
    await access.withUser(ALICE, BOB);
    expect(lookups).toEqual([BOB, BOB]);
  });

  it('asks again every time for a user that does not exist, so one created since is found', async () => {
    const { access, lookups, existing } = setup();
    const carol = 'c'.repeat(24) as UserId;
    await expect(access.withUser(ALICE, carol)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(access.withUser(ALICE, carol)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    existing.add(carol);
    await expect(access.withUser(ALICE, carol)).resolves.toEqual({
      conversationId: `${ALICE}_${carol}`,
      targetId: carol,
    });
    expect(lookups).toEqual([carol, carol, carol]);
  });
});

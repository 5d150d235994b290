import type { UserId } from '../../src/domain/ids';
import { createSharedUserLoader, ExpiringCache } from '../../src/edge/user.loader';
import { InMemoryUsers } from '../fakes/in-memory-ports';

describe('the shared user cache of the WS service', () => {
  it('answers concurrent lookups with one query, serves from cache until the TTL, then asks again', async () => {
    const users = new InMemoryUsers();
    const alice = users.add('Alice');
    let clock = 0;
    let queries = 0;
    const loader = createSharedUserLoader(users, { ttlMs: 1_000, now: () => clock, onQuery: () => (queries += 1) });

    const answers = await Promise.all(Array.from({ length: 50 }, () => loader.load(alice)));
    expect(new Set(answers.map((user) => user?.name))).toEqual(new Set(['Alice']));
    expect(queries).toBe(1);

    users.users.set(alice, { id: alice, name: 'Alice Renamed', email: null });
    clock = 999;
    expect((await loader.load(alice))?.name).toBe('Alice');
    clock = 1_000;
    expect((await loader.load(alice))?.name).toBe('Alice Renamed');
    expect(queries).toBe(2);
  });

  it('holds at most its bound, dropping the oldest entry first', () => {
    const cache = new ExpiringCache<UserId, string>(60_000, 2, () => 0);
    cache
      .set('a' as UserId, 'A')
      .set('b' as UserId, 'B')
      .set('c' as UserId, 'C');
    expect([cache.get('a' as UserId), cache.get('b' as UserId), cache.get('c' as UserId)]).toEqual([
      undefined,
      'B',
      'C',
    ]);
  });
});

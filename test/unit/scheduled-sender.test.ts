import { scheduledClientMessageId, scheduledLockKey } from '../../src/domain/scheduling/scheduled-message.service';
import { inMemoryDomain } from '../fakes/in-memory-ports';

/**
 * The scheduled sender's claim, on in-memory ports (the e2e file runs it on Redis and FerretDB):
 * two instances over the same stores send each due message once, and an instance that died
 * between storing a message and marking it SENT leaves nothing a later round sends twice.
 */
describe('scheduled sender', () => {
  function twoInstances() {
    const first = inMemoryDomain();
    const shared = {
      users: first.users,
      conversations: first.conversations,
      memberships: first.memberships,
      leases: first.leases,
      messages: first.messages,
      changes: first.changes,
      presence: first.presence,
      broker: first.broker,
      scheduled: first.scheduled,
      locks: first.locks,
    };
    const second = inMemoryDomain({ sharing: shared });
    const alice = first.users.add('Alice');
    const bob = first.users.add('Bob');
    return { first, second, alice, bob };
  }

  it('sends each due message once when two instances look at the same moment', async () => {
    const { first, second, alice, bob } = twoInstances();
    const sendAt = new Date(Date.now() + 2_000);
    for (let n = 0; n < 10; n += 1)
      await first.services.scheduled.schedule(alice, { targetUserId: bob, message: `m${n}` }, sendAt);
    const later = new Date(sendAt.getTime() + 1);
    const [a, b] = await Promise.all([
      first.services.scheduled.sendDue(later),
      second.services.scheduled.sendDue(later),
    ]);
    expect(a.settled + b.settled).toBe(10);
    const stored = first.messages.stored.filter((message) => message.senderId === alice);
    expect(stored.map((message) => message.message).sort()).toEqual(
      Array.from({ length: 10 }, (_, n) => `m${n}`).sort(),
    );
    expect([...first.scheduled.stored.values()].every((scheduled) => scheduled.status === 'SENT')).toBe(true);
  });

  it('finishes, without a second message, one whose sender died after storing it', async () => {
    const { first, second, alice, bob } = twoInstances();
    const sendAt = new Date(Date.now() + 2_000);
    const scheduled = await first.services.scheduled.schedule(alice, { targetUserId: bob, message: 'once' }, sendAt);
    // The first instance stored the message under its key, then died before marking it SENT.
    const original = await first.services.messages.send(alice, {
      targetUserId: bob,
      message: 'once',
      clientMessageId: scheduledClientMessageId(scheduled.id),
    });
    await second.services.scheduled.sendDue(new Date(sendAt.getTime() + 1));
    expect(first.scheduled.stored.get(scheduled.id)).toMatchObject({ status: 'SENT', sentMessageId: original.id });
    expect(first.messages.stored.filter((message) => message.message === 'once')).toHaveLength(1);
  });

  it('leaves one another instance is sending (its lock held) to that instance', async () => {
    const { first, second, alice, bob } = twoInstances();
    const sendAt = new Date(Date.now() + 2_000);
    const scheduled = await first.services.scheduled.schedule(alice, { targetUserId: bob, message: 'mine' }, sendAt);
    const release = await first.locks.tryLock(scheduledLockKey(scheduled.id), 30_000);
    expect(await second.services.scheduled.sendDue(new Date(sendAt.getTime() + 1))).toEqual({
      settled: 0,
      retrying: 0,
    });
    expect(first.scheduled.stored.get(scheduled.id)?.status).toBe('PENDING');
    await release!();
    expect((await second.services.scheduled.sendDue(new Date(sendAt.getTime() + 1))).settled).toBe(1);
  });
});

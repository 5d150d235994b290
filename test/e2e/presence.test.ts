import { PresenceDocument, UserStatusDocument } from '../../src/client/graphql';
import { graphqlOk, SubscriptionProbe, waitForSubscriptions, wsClient } from '../helpers/clients';
import { chatActions } from '../helpers/chat';
import type { TestDatastores } from '../helpers/datastores';
import { eventually } from '../helpers/eventually';
import { spawnWsProcess, useTestSystem, type TestSystem } from '../helpers/system';
import { createUsers, type TestUser } from '../helpers/users';

/**
 * Heartbeat for this file (PRESENCE_HEARTBEAT_MS): a killed instance is presumed gone after 3
 * misses, so its users go offline within ~4 s. Long enough that a busy machine delaying a live
 * instance's timer by a few hundred ms never gets that instance reaped by mistake.
 */
const HEARTBEAT_MS = 1_000;

describe('presence across WS instances (user_join, user_status_change)', () => {
  const env = useTestSystem({ wsInstances: 2, env: { PRESENCE_HEARTBEAT_MS: String(HEARTBEAT_MS) } });
  let stores: TestDatastores;
  let system: TestSystem;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let aliceHears: SubscriptionProbe<unknown, Record<string, unknown>>;
  const sockets: Array<{ dispose(): void | Promise<void> }> = [];

  const connect = (user: TestUser, index: number) => {
    const client = wsClient(system.ws[index]!, { authorization: `Bearer ${user.token}` });
    sockets.push(client);
    return client;
  };
  const presenceOf = async (user: TestUser) =>
    (await graphqlOk(system.api, PresenceDocument, { userIds: [user.id] }, alice.token)).presence[0];
  const nextStatus = async () =>
    (await aliceHears.next(HEARTBEAT_MS * 8)).data as { userStatus: { type: string; userId: string } };

  beforeAll(async () => {
    ({ stores, system } = env);
    [alice, bob, carol] = (await createUsers(stores, 'Alice', 'Bob', 'Carol')) as [TestUser, TestUser, TestUser];
    await chatActions(system.api).send(bob, alice, 'we share a conversation');
    const aliceSocket = connect(alice, 0);
    aliceHears = new SubscriptionProbe(aliceSocket, UserStatusDocument, {}) as SubscriptionProbe<
      unknown,
      Record<string, unknown>
    >;
    await waitForSubscriptions(system.ws[0]!, 1);
  });

  afterAll(async () => {
    await Promise.all(sockets.map((socket) => socket.dispose()));
  });

  it('is online from the first connection to the last, on any instance, with one event per transition', async () => {
    expect(await presenceOf(bob)).toMatchObject({ userId: bob.id, online: false, lastSeenAt: null });

    const phone = connect(bob, 0);
    expect((await nextStatus()).userStatus).toMatchObject({ type: 'USER_ONLINE', userId: bob.id });
    expect(await presenceOf(bob)).toMatchObject({ online: true, lastSeenAt: null, user: { name: 'Bob' } });

    const laptop = connect(bob, 1);
    await new Promise<void>((resolve) => laptop.on('connected', () => resolve()));
    await phone.dispose();
    expect(await presenceOf(bob)).toMatchObject({ online: true });

    await laptop.dispose();
    expect((await nextStatus()).userStatus).toMatchObject({ type: 'USER_OFFLINE', userId: bob.id });
    const offline = await presenceOf(bob);
    expect(offline?.online).toBe(false);
    expect(Date.parse(String(offline?.lastSeenAt))).toBeGreaterThan(Date.now() - 60_000);
  });

  it('tells only users who share a conversation, and shows strangers as never seen', async () => {
    const carolSocket = connect(carol, 1);
    await new Promise<void>((resolve) => carolSocket.on('connected', () => resolve()));
    // Carol is online (she sees herself so), but Alice shares no conversation with her: to Alice her
    // presence reads as never seen. (Her profile is directory data, as in the people directory.)
    await eventually(
      async () =>
        (await graphqlOk(system.api, PresenceDocument, { userIds: [carol.id] }, carol.token)).presence[0]?.online,
      { what: 'Carol to be online' },
    );
    expect(await presenceOf(carol)).toEqual({
      userId: carol.id,
      online: false,
      lastSeenAt: null,
      user: { id: carol.id, name: 'Carol' },
    });
    await carolSocket.dispose();
    // Bob's next transition is the next thing Alice hears: nothing about Carol came before it.
    const bobAgain = connect(bob, 1);
    expect((await nextStatus()).userStatus).toMatchObject({ type: 'USER_ONLINE', userId: bob.id });
    await bobAgain.dispose();
    expect((await nextStatus()).userStatus).toMatchObject({ type: 'USER_OFFLINE', userId: bob.id });
  });

  it('turns the users of a killed instance offline by heartbeat expiry', async () => {
    const doomed = await spawnWsProcess(stores, { PRESENCE_HEARTBEAT_MS: String(HEARTBEAT_MS) });
    const client = wsClient(doomed, { token: bob.token });
    sockets.push(client);
    expect((await nextStatus()).userStatus).toMatchObject({ type: 'USER_ONLINE', userId: bob.id });

    await doomed.kill();
    expect((await nextStatus()).userStatus).toMatchObject({ type: 'USER_OFFLINE', userId: bob.id });
    expect((await presenceOf(bob))?.online).toBe(false);
  });
});

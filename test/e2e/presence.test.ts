import { PresenceDocument, UserStatusDocument } from '../../src/client/graphql';
import { graphqlOk, SubscriptionProbe, waitForSubscriptions, wsClient } from '../helpers/clients';
import { chatActions } from '../helpers/chat';
import { startTestDatastores, type TestDatastores } from '../helpers/datastores';
import { spawnWsProcess, startSystem, type TestSystem } from '../helpers/system';
import { createUsers, type TestUser } from '../helpers/users';

/** Heartbeat for this file: a dead instance is presumed gone after 3 misses (~0.6 s). */
const HEARTBEAT_MS = 200;

describe('presence across WS instances (user_join, user_status_change)', () => {
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
    (await aliceHears.next(8_000)).data as { userStatus: { type: string; userId: string } };

  beforeAll(async () => {
    stores = await startTestDatastores();
    system = await startSystem(stores, { wsInstances: 2, env: { PRESENCE_HEARTBEAT_MS: String(HEARTBEAT_MS) } });
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
    await system?.stop();
    await stores?.dispose();
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

  it('tells only users who share a conversation', async () => {
    const carolSocket = connect(carol, 1);
    await new Promise<void>((resolve) => carolSocket.on('connected', () => resolve()));
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
